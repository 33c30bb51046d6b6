#!/usr/bin/perl
# Interop peer: Net::SMPP as an ESME against the real smpp-connector binary
# (configured with the example accounts). On one connection: bind_transceiver
# as acme/acmepass, enquire_link, submit_sm (which must be refused with
# ESME_RSUBMITFAIL while the forward path is not built), unbind. Then one
# connection each for a wrong password and an unknown system_id.
#
# Prints one line per step,
#   RESULT <step> <response command> status=0x<8 hex> ok|fail [<why>]
# and exits 0 only if every step got the response it expected.
# Usage: net_smpp_bind_check.pl PORT
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/perl";
use Net::SMPP;
use Time::HiRes qw(time);
use InteropScenario qw(HARD_TIMEOUT next_pdu bound_socket say_line);

$| = 1;
my ($port) = @ARGV;
die "usage: $0 PORT\n" if !$port;
my $deadline = time + HARD_TIMEOUT;
my $failed = 0;

my %resp_name = (
    Net::SMPP::CMD_bind_transceiver_resp() => 'bind_transceiver_resp',
    Net::SMPP::CMD_enquire_link_resp()     => 'enquire_link_resp',
    Net::SMPP::CMD_submit_sm_resp()        => 'submit_sm_resp',
    Net::SMPP::CMD_unbind_resp()           => 'unbind_resp',
    Net::SMPP::CMD_generic_nack()          => 'generic_nack',
);

sub report {
    my ($step, $pdu, $want_cmd, $want_status, $seq) = @_;
    if (!$pdu) {
        $failed = 1;
        return say_line("RESULT $step none status=none fail no response (closed or timed out)");
    }
    my $name = $resp_name{$pdu->{cmd}} // sprintf('command_0x%08x', $pdu->{cmd});
    my @why;
    push @why, "want $resp_name{$want_cmd}" if $pdu->{cmd} != $want_cmd;
    push @why, sprintf('want status=0x%08x', $want_status) if $pdu->{status} != $want_status;
    push @why, "seq $pdu->{seq} want $seq" if $pdu->{seq} != $seq;
    $failed = 1 if @why;
    say_line(sprintf('RESULT %s %s status=0x%08x %s', $step, $name, $pdu->{status},
                     @why ? 'fail ' . join(', ', @why) : 'ok'));
}

sub connect_as {
    my ($system_id, $password) = @_;
    my $smpp = Net::SMPP->new_connect('127.0.0.1', port => $port, timeout => 5,
                                      system_id => $system_id, password => $password, async => 1);
    bound_socket($smpp) if $smpp;
    return $smpp;
}

# The next response PDU, answering any enquire_link the server sends meanwhile.
sub next_response {
    my ($smpp) = @_;
    for (;;) {
        my $pdu = next_pdu($smpp, $deadline) or return undef;
        return $pdu if $pdu->{cmd} & 0x80000000;
        $smpp->enquire_link_resp(seq => $pdu->{seq}) if $pdu->{cmd} == Net::SMPP::CMD_enquire_link;
    }
}

my $smpp = connect_as('acme', 'acmepass');
if (!$smpp) {
    say_line("RESULT bind_transceiver none status=none fail connect to 127.0.0.1:$port: $!");
    $failed = 1;
} else {
    my $seq = $smpp->bind_transceiver();
    report('bind_transceiver', next_response($smpp), Net::SMPP::CMD_bind_transceiver_resp, 0x00, $seq);

    $seq = $smpp->enquire_link();
    report('enquire_link', next_response($smpp), Net::SMPP::CMD_enquire_link_resp, 0x00, $seq);

    $seq = $smpp->submit_sm(source_addr_ton => 5, source_addr_npi => 0, source_addr => 'InteropA',
                            dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => '447700900001',
                            registered_delivery => 1, data_coding => 0, short_message => 'Hello from peer');
    report('submit_sm', next_response($smpp), Net::SMPP::CMD_submit_sm_resp, 0x45, $seq);

    $seq = $smpp->unbind();
    report('unbind', next_response($smpp), Net::SMPP::CMD_unbind_resp, 0x00, $seq);
    close $smpp;
}

for my $try (['bind_wrong_password', 'acme', 'wrongpw', 0x0E],
             ['bind_unknown_system_id', 'nosuchid', 'acmepass', 0x0F]) {
    my ($step, $system_id, $password, $want) = @$try;
    my $conn = connect_as($system_id, $password);
    if (!$conn) {
        say_line("RESULT $step none status=none fail connect to 127.0.0.1:$port: $!");
        $failed = 1;
        next;
    }
    my $seq = $conn->bind_transceiver();
    report($step, next_response($conn), Net::SMPP::CMD_bind_transceiver_resp, $want, $seq);
    close $conn;
}

exit($failed ? 1 : 0);
