package InteropScenario;
# The scenario every interop peer plays, for the Perl Net::SMPP scripts.
# The same values live in node/scenario.js and in scenario.cpp: a peer
# written in one language must interoperate with a peer in another, so the
# three copies are kept identical (the cross runs Perl <-> node check that).
#
# Every PDU a peer receives is printed on stdout as one line
#   RECV <command> seq=<n> status=<n> key=value ...
# (values never contain spaces; message bytes are hex), and the last line is
#   RESULT ok   |   RESULT fail <what>
use strict;
use warnings;
use IO::Select;
use Socket qw(SOL_SOCKET SO_RCVTIMEO SO_SNDTIMEO);
use Time::HiRes qw(time);

use Exporter 'import';
our @EXPORT_OK = qw(SYSTEM_ID PASSWORD HARD_TIMEOUT submits receipt_for format_pdu
                    check_submit check_receipt next_pdu bound_socket result say_line);

use constant SYSTEM_ID    => 'interop';
use constant PASSWORD     => 'secret1';
use constant HARD_TIMEOUT => 20;    # seconds; no peer may run longer

# The three submit_sm: GSM text, UCS-2 (data_coding 8), and TLVs only.
sub submits {
    return (
        { source_addr_ton => 5, source_addr_npi => 0, source_addr => 'InteropA',
          dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900001',
          esm_class => 0, protocol_id => 0, priority_flag => 0, registered_delivery => 1,
          data_coding => 0, short_message => 'Hello from peer', tlvs => [] },
        { source_addr_ton => 1, source_addr_npi => 1, source_addr => '447700900002',
          dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900003',
          esm_class => 0, protocol_id => 0, priority_flag => 0, registered_delivery => 0,
          data_coding => 8,
          # "Привет €" in UCS-2 big-endian
          short_message => pack('n*', 0x041F, 0x0440, 0x0438, 0x0432, 0x0435, 0x0442, 0x0020, 0x20AC),
          tlvs => [] },
        { source_addr_ton => 5, source_addr_npi => 0, source_addr => 'InteropA',
          dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900004',
          esm_class => 0, protocol_id => 0, priority_flag => 0, registered_delivery => 0,
          data_coding => 0, short_message => '',
          tlvs => [ user_message_reference => pack('n', 0x1234),
                    message_payload => 'Payload via TLV' ] },
    );
}

# The delivery receipt for the first submit_sm, under the id its
# submit_sm_resp carried.
sub receipt_for {
    my ($id) = @_;
    return {
        source_addr_ton => 1, source_addr_npi => 1, source_addr => '447700900001',
        dest_addr_ton => 5, dest_addr_npi => 0, destination_addr => 'InteropA',
        esm_class => 0x04, protocol_id => 0, priority_flag => 0, registered_delivery => 0,
        data_coding => 0,
        short_message => "id:$id sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 "
                       . "stat:DELIVRD err:000 text:hello",
        # receipted_message_id is a C-octet string: its value carries the NUL
        tlvs => [ receipted_message_id => "$id\0", message_state => pack('C', 2) ],
    };
}

sub hex_of { return unpack('H*', $_[0] // '') }

sub cstr { my $v = $_[0] // ''; $v =~ s/\0.*\z//s; return $v }

sub format_pdu {
    my ($pdu) = @_;
    my $name = Net::SMPP::pdu_tab->{$pdu->{cmd}}
        ? Net::SMPP::pdu_tab->{$pdu->{cmd}}{cmd} : sprintf('unknown_%08x', $pdu->{cmd});
    my $line = "RECV $name seq=$pdu->{seq} status=$pdu->{status}";
    if ($name =~ /^bind_(transceiver|transmitter|receiver)$/) {
        $line .= " system_id=$pdu->{system_id} password=$pdu->{password}"
               . " system_type=$pdu->{system_type} interface_version=$pdu->{interface_version}"
               . " addr_ton=$pdu->{addr_ton} addr_npi=$pdu->{addr_npi} address_range=$pdu->{address_range}";
    } elsif ($name =~ /^bind_\w+_resp$/) {
        $line .= ' system_id=' . ($pdu->{system_id} // '');
    } elsif ($name eq 'submit_sm' || $name eq 'deliver_sm') {
        $line .= " src=$pdu->{source_addr_ton}/$pdu->{source_addr_npi}/$pdu->{source_addr}"
               . " dst=$pdu->{dest_addr_ton}/$pdu->{dest_addr_npi}/$pdu->{destination_addr}"
               . " esm=$pdu->{esm_class} pid=$pdu->{protocol_id} prio=$pdu->{priority_flag}"
               . " rd=$pdu->{registered_delivery} dc=$pdu->{data_coding}"
               . ' sm=' . hex_of($pdu->{short_message});
        $line .= ' umr=' . unpack('n', $pdu->{user_message_reference})
            if defined $pdu->{user_message_reference};
        $line .= ' payload=' . hex_of($pdu->{message_payload}) if defined $pdu->{message_payload};
        $line .= ' receipted_message_id=' . cstr($pdu->{receipted_message_id})
            if defined $pdu->{receipted_message_id};
        $line .= ' message_state=' . unpack('C', $pdu->{message_state}) if defined $pdu->{message_state};
    } elsif ($name eq 'submit_sm_resp' || $name eq 'deliver_sm_resp') {
        $line .= ' message_id=' . ($pdu->{message_id} // '');
    }
    return $line;
}

# Mismatches between a received submit_sm/deliver_sm and what was sent.
sub compare_sm {
    my ($pdu, $want) = @_;
    my @bad;
    for my $f (qw(source_addr_ton source_addr_npi source_addr dest_addr_ton dest_addr_npi
                  destination_addr esm_class protocol_id priority_flag registered_delivery
                  data_coding short_message)) {
        my $got = $pdu->{$f} // '<none>';
        push @bad, "$f got '" . hex_of($got) . "' want '" . hex_of($want->{$f}) . "'"
            if $got ne $want->{$f};
    }
    my %tlvs = @{$want->{tlvs}};
    for my $t (sort keys %tlvs) {
        my $got = $pdu->{$t};
        # Some stacks drop the NUL of a C-octet string TLV; its text must match.
        my $ok = defined $got && ($got eq $tlvs{$t} || ($t eq 'receipted_message_id'
                                                       && cstr($got) eq cstr($tlvs{$t})));
        push @bad, "tlv $t got '" . hex_of($got) . "' want '" . hex_of($tlvs{$t}) . "'" if !$ok;
    }
    return @bad;
}

sub check_submit { my ($pdu, $k) = @_; return compare_sm($pdu, (submits())[$k]) }
sub check_receipt { my ($pdu, $id) = @_; return compare_sm($pdu, receipt_for($id)) }

# Reads and decodes the next PDU, giving up at the deadline instead of
# blocking forever (Net::SMPP's own read cancels any alarm we set).
sub next_pdu {
    my ($conn, $deadline) = @_;
    my $left = $deadline - time;
    return undef if $left <= 0;
    return undef if !IO::Select->new($conn)->can_read($left);
    return $conn->read_pdu();
}

# Bounds every blocking read/write on a socket, so a half-sent PDU cannot
# hang read_pdu past the hard timeout.
sub bound_socket {
    my ($sock) = @_;
    my $tv = pack('l!l!', HARD_TIMEOUT, 0);
    setsockopt($sock, SOL_SOCKET, SO_RCVTIMEO, $tv);
    setsockopt($sock, SOL_SOCKET, SO_SNDTIMEO, $tv);
}

sub say_line { print "$_[0]\n" }

# Prints the RESULT line and exits 0 only when nothing went wrong.
sub result {
    my (@failures) = @_;
    if (@failures) {
        say_line('RESULT fail ' . join('; ', @failures));
        exit 1;
    }
    say_line('RESULT ok');
    exit 0;
}

1;
