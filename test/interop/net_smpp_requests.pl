#!/usr/bin/perl
# Interop peer: Net::SMPP as an ESME against the real smpp-connector binary,
# for submit_multi, replace_sm and cancel_sm (test/interop/
# connector_requests.cpp starts the connector and smpp-sim carriers, and
# asserts every line this prints). On one bind_transceiver:
#   submit_multi to 3 destinations (2 routed, 1 not), registered_delivery 1;
#   submit_sm scheduled in an hour, then replace_sm with a new text and the
#     schedule "now" (the carrier must get only the new text);
#   submit_sm scheduled in 4 s, cancel_sm by id, cancel_sm again, query_sm;
#   submit_sm scheduled in 4 s, cancel_sm without id (source + destination);
#   waits for the 3 delivery receipts (2 submit_multi destinations, the
#     replaced message), answers them, unbind.
# It judges nothing itself; it prints what it saw:
#   STEP <step> <response command> status=0x<8 hex> [key=value ...]
#   DLR source=.. dest=.. receipted_message_id=.. text_id=.. stat=.. message_state=..
# and exits 0 once every step got some response.
# Usage: net_smpp_requests.pl PORT SYSTEM_ID PASSWORD
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/perl";
use Net::SMPP;
use Time::HiRes qw(time);
use InteropScenario qw(next_pdu bound_socket say_line);

$| = 1;
my ($port, $system_id, $password) = @ARGV;
die "usage: $0 PORT SYSTEM_ID PASSWORD\n" if !$password;
use constant STEP_TIMEOUT     => 5;
use constant RECEIPT_TIMEOUT  => 10;
use constant HARD_TIMEOUT     => 25;
use constant RECEIPTS_EXPECTED => 3;
use constant IN_ONE_HOUR      => '000000010000000R';
use constant IN_FOUR_SECONDS  => '000000000004000R';
use constant NOW              => '000000000000000R';
my $hard_deadline = time + HARD_TIMEOUT;
my $incomplete = 0;
my @receipts;

my %name = (
    Net::SMPP::CMD_bind_transceiver_resp() => 'bind_transceiver_resp',
    Net::SMPP::CMD_submit_sm_resp()        => 'submit_sm_resp',
    Net::SMPP::CMD_submit_multi_resp()     => 'submit_multi_resp',
    Net::SMPP::CMD_replace_sm_resp()       => 'replace_sm_resp',
    Net::SMPP::CMD_cancel_sm_resp()        => 'cancel_sm_resp',
    Net::SMPP::CMD_query_sm_resp()         => 'query_sm_resp',
    Net::SMPP::CMD_unbind_resp()           => 'unbind_resp',
    Net::SMPP::CMD_generic_nack()          => 'generic_nack',
);

sub cstr { my $v = $_[0]; return '<absent>' if !defined $v; $v =~ s/\0.*\z//s; return length $v ? $v : '<empty>' }

# Answers and prints a receipt (or any deliver_sm) the connector sends.
sub take_deliver_sm {
    my ($smpp, $pdu) = @_;
    $smpp->deliver_sm_resp(seq => $pdu->{seq}, message_id => '');
    my $body = $pdu->{short_message} // '';
    my ($text_id) = $body =~ /(?:^|\s)id:(\S+)/;
    my ($stat) = $body =~ /(?:^|\s)stat:(\S+)/;
    my $state = defined $pdu->{message_state} ? unpack('C', $pdu->{message_state}) : undef;
    push @receipts, $pdu;
    say_line(sprintf('DLR source=%s dest=%s esm_class=%d receipted_message_id=%s text_id=%s stat=%s message_state=%s',
                     cstr($pdu->{source_addr}), cstr($pdu->{destination_addr}), $pdu->{esm_class},
                     cstr($pdu->{receipted_message_id}), $text_id // '<absent>', $stat // '<absent>',
                     $state // '<absent>'));
}

# The response to request `seq`, taking receipts and enquire_links meanwhile.
sub response_to {
    my ($smpp, $seq, $until) = @_;
    for (;;) {
        my $pdu = next_pdu($smpp, $until < $hard_deadline ? $until : $hard_deadline) or return undef;
        if ($pdu->{cmd} == Net::SMPP::CMD_deliver_sm) { take_deliver_sm($smpp, $pdu); next }
        if ($pdu->{cmd} == Net::SMPP::CMD_enquire_link) { $smpp->enquire_link_resp(seq => $pdu->{seq}); next }
        return $pdu if ($pdu->{cmd} & 0x80000000) && $pdu->{seq} == $seq;
        warn "net_smpp_requests.pl: unexpected PDU cmd=" . sprintf('0x%08x', $pdu->{cmd}) . " seq=$pdu->{seq}\n";
    }
}

sub step {
    my ($smpp, $step, $seq, @fields) = @_;
    my $pdu = defined $seq ? response_to($smpp, $seq, time + STEP_TIMEOUT) : undef;
    if (!$pdu) {
        $incomplete = 1;
        say_line("STEP $step none status=none");
        return undef;
    }
    my $cmd = $name{$pdu->{cmd}} // sprintf('command_0x%08x', $pdu->{cmd});
    my $extra = '';
    for my $f (@fields) { $extra .= ' ' . $f->[0] . '=' . $f->[1]->($pdu) }
    say_line(sprintf('STEP %s %s status=0x%08x%s', $step, $cmd, $pdu->{status}, $extra));
    return $pdu;
}

my $id_field = ['message_id', sub { cstr($_[0]{message_id}) }];
my $unsuccess_field = ['unsuccess', sub {
    my ($p) = @_;
    my @u;
    for my $i (0 .. ($p->{no_unsuccess} // 0) - 1) {
        push @u, sprintf('%d:%d:%s:0x%08x', $p->{dest_addr_ton}[$i], $p->{dest_addr_npi}[$i],
                         $p->{destination_addr}[$i], $p->{error_status_code}[$i]);
    }
    return @u ? join(',', @u) : '<none>';
}];
my @query_fields = ($id_field, ['message_state', sub { $_[0]{message_state} // '<absent>' }],
                    ['error_code', sub { $_[0]{error_code} // '<absent>' }]);

my %addr = (source_addr_ton => 1, source_addr_npi => 1);

sub submit {
    my ($smpp, $source, $dest, $text, $schedule) = @_;
    return $smpp->submit_sm(%addr, source_addr => $source, dest_addr_ton => 1, dest_addr_npi => 1,
                            destination_addr => $dest, registered_delivery => 1, data_coding => 0,
                            schedule_delivery_time => $schedule, short_message => $text);
}

sub cancel {
    my ($smpp, $id, $source, $dest) = @_;
    return $smpp->cancel_sm(service_type => '', message_id => $id, %addr, source_addr => $source,
                            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => $dest);
}

my $smpp = Net::SMPP->new_connect('127.0.0.1', port => $port, timeout => 5, system_id => $system_id,
                                  password => $password, async => 1);
if (!$smpp) {
    say_line("STEP bind_transceiver none status=none connect: $!");
    exit 1;
}
bound_socket($smpp);
step($smpp, 'bind_transceiver', $smpp->bind_transceiver());

step($smpp, 'submit_multi',
     $smpp->submit_multi(%addr, source_addr => '447900900001',
                         dest_addr_ton => [1, 1, 1], dest_addr_npi => [1, 1, 1],
                         destination_addr => ['447700900001', '447800900002', '33612345678'],
                         registered_delivery => 1, data_coding => 0, schedule_delivery_time => '',
                         short_message => 'perl multi to three'),
     $id_field, $unsuccess_field);

my $r = step($smpp, 'submit_scheduled', submit($smpp, '447900900002', '447700900003', 'perl old text', IN_ONE_HOUR),
             $id_field);
my $replaced_id = $r ? cstr($r->{message_id}) : '';
step($smpp, 'replace_now',
     $smpp->replace_sm(message_id => $replaced_id, %addr, source_addr => '447900900002',
                       schedule_delivery_time => NOW, validity_period => '', registered_delivery => 1,
                       sm_default_msg_id => 0, short_message => 'perl new text'));

my $c = step($smpp, 'submit_to_cancel',
             submit($smpp, '447900900003', '447800900004', 'perl cancelled by id', IN_FOUR_SECONDS), $id_field);
my $cancelled_id = $c ? cstr($c->{message_id}) : '';
step($smpp, 'cancel_by_id', cancel($smpp, $cancelled_id, '447900900003', '447800900004'));
step($smpp, 'cancel_again', cancel($smpp, $cancelled_id, '447900900003', '447800900004'));
step($smpp, 'query_cancelled', $smpp->query_sm(message_id => $cancelled_id, %addr, source_addr => '447900900003'),
     @query_fields);

step($smpp, 'submit_to_cancel_by_address',
     submit($smpp, '447900900004', '447700900005', 'perl cancelled by address', IN_FOUR_SECONDS), $id_field);
step($smpp, 'cancel_by_address', cancel($smpp, '', '447900900004', '447700900005'));

# The receipts: read until all came or the time is up.
my $until = time + RECEIPT_TIMEOUT;
while (@receipts < RECEIPTS_EXPECTED) {
    my $pdu = next_pdu($smpp, $until < $hard_deadline ? $until : $hard_deadline) or last;
    if ($pdu->{cmd} == Net::SMPP::CMD_deliver_sm) { take_deliver_sm($smpp, $pdu) }
    elsif ($pdu->{cmd} == Net::SMPP::CMD_enquire_link) { $smpp->enquire_link_resp(seq => $pdu->{seq}) }
}
my $all = @receipts >= RECEIPTS_EXPECTED;
say_line(sprintf('STEP receipts %s status=none count=%d', $all ? 'all' : 'missing', scalar @receipts));
$incomplete = 1 if !$all;

step($smpp, 'unbind', $smpp->unbind());
close $smpp;
exit($incomplete ? 1 : 0);
