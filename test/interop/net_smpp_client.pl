#!/usr/bin/perl
# Interop peer: Net::SMPP as the ESME (scenario A). Binds as transceiver to
# 127.0.0.1:PORT, pipelines the three scenario submit_sm, expects their
# submit_sm_resp to carry PREFIX1..PREFIX3 (default A1..A3), then waits for
# the delivery receipt for PREFIX1, answers it, and unbinds. An enquire_link
# right after the bind checks that the SMSC answers it.
# Usage: net_smpp_client.pl PORT [PREFIX]
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/perl";
use Net::SMPP;
use Time::HiRes qw(time);
use InteropScenario qw(SYSTEM_ID PASSWORD HARD_TIMEOUT submits format_pdu check_receipt
                       next_pdu bound_socket result say_line);

$| = 1;
my ($port, $prefix) = @ARGV;
die "usage: $0 PORT [PREFIX]\n" if !$port;
$prefix //= 'A';
my $deadline = time + HARD_TIMEOUT;
my @fail;

my $smpp = Net::SMPP->new_connect('127.0.0.1', port => $port, timeout => 5,
                                  system_id => SYSTEM_ID, password => PASSWORD, async => 1)
    or result("connect to 127.0.0.1:$port: $!");
bound_socket($smpp);

my $bind_seq = $smpp->bind_transceiver();
my $resp = next_pdu($smpp, $deadline) or result('no bind_transceiver_resp');
say_line(format_pdu($resp));
result("bind_transceiver_resp status $resp->{status}")
    if $resp->{cmd} != Net::SMPP::CMD_bind_transceiver_resp || $resp->{status} != 0 || $resp->{seq} != $bind_seq;

my $enquire_seq = $smpp->enquire_link();
my $enquire_answered;

my @submits = submits();
my %submit_index;    # sequence_number -> 0..2
for my $k (0 .. $#submits) {
    my %s = %{$submits[$k]};
    my @tlvs = @{delete $s{tlvs}};
    my $seq = $smpp->submit_sm(%s, @tlvs);
    $submit_index{$seq} = $k;
}

my (%ids, $receipt_seen, $unbind_seq, $unbound);
while (!$unbound) {
    my $pdu = next_pdu($smpp, $deadline) or do { push @fail, 'connection closed or timed out'; last };
    say_line(format_pdu($pdu));
    my $cmd = $pdu->{cmd};
    if ($cmd == Net::SMPP::CMD_submit_sm_resp) {
        my $k = $submit_index{$pdu->{seq}};
        if (!defined $k) { push @fail, "submit_sm_resp for unknown seq $pdu->{seq}"; next }
        push @fail, "submit_sm_resp $k status $pdu->{status}" if $pdu->{status} != 0;
        $ids{$k} = $pdu->{message_id};
    } elsif ($cmd == Net::SMPP::CMD_deliver_sm) {
        push @fail, map { "deliver_sm: $_" } check_receipt($pdu, "${prefix}1");
        $smpp->deliver_sm_resp(message_id => '', seq => $pdu->{seq});
        $receipt_seen = 1;
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_enquire_link_resp) {
        push @fail, "enquire_link_resp seq $pdu->{seq} status $pdu->{status}"
            if $pdu->{seq} != $enquire_seq || $pdu->{status} != 0;
        $enquire_answered = 1;
    } elsif ($cmd == Net::SMPP::CMD_unbind_resp) {
        $unbound = 1;
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
        push @fail, 'peer unbound first';
        $smpp->unbind_resp(seq => $pdu->{seq});
        last;
    } else {
        push @fail, "unexpected command 0x" . sprintf('%08x', $cmd);
    }
    if (!defined $unbind_seq && $receipt_seen && keys(%ids) == @submits) {
        $unbind_seq = $smpp->unbind();
    }
}

for my $k (0 .. $#submits) {
    my $want = $prefix . ($k + 1);
    push @fail, "message_id of submit_sm " . ($k + 1) . " is '" . ($ids{$k} // '<none>') . "', want '$want'"
        if ($ids{$k} // '') ne $want;
}
push @fail, 'no enquire_link_resp received' if !$enquire_answered;
push @fail, 'no deliver_sm received' if !$receipt_seen;
push @fail, 'no unbind_resp received' if !$unbound;
result(@fail);
