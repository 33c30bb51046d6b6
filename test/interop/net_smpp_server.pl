#!/usr/bin/perl
# Interop peer: Net::SMPP as the SMSC (scenario B). Listens on 127.0.0.1,
# prints "PORT <n>", accepts one connection, checks the bind_transceiver
# credentials, answers the three scenario submit_sm (each checked) with
# message ids PREFIX1..PREFIX3 (default P1..P3), then sends the delivery
# receipt for PREFIX1, and expects deliver_sm_resp and then unbind. An
# enquire_link right after the bind checks that the ESME answers it.
# Usage: net_smpp_server.pl [PREFIX]
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/perl";
use IO::Select;
use Net::SMPP;
use Time::HiRes qw(time);
use InteropScenario qw(SYSTEM_ID PASSWORD HARD_TIMEOUT submits receipt_for format_pdu check_submit
                       next_pdu bound_socket result say_line);

$| = 1;
my ($prefix) = @ARGV;
$prefix //= 'P';
my $deadline = time + HARD_TIMEOUT;
my @fail;

my $listener = Net::SMPP->new_listen('127.0.0.1', port => 0, listen => 1, system_id => 'PerlSMSC', async => 1)
    or result("listen: $!");
say_line('PORT ' . $listener->sockport);

IO::Select->new($listener)->can_read($deadline - time) or result('nobody connected');
my $smpp = $listener->accept or result("accept: $!");
close $listener;
bound_socket($smpp);

my $submits_seen = 0;
my ($bound, $receipt_seq, $receipt_acked, $unbound, $enquire_seq, $enquire_answered);
while (!$unbound) {
    my $pdu = next_pdu($smpp, $deadline) or do { push @fail, 'connection closed or timed out'; last };
    say_line(format_pdu($pdu));
    my $cmd = $pdu->{cmd};
    if ($cmd == Net::SMPP::CMD_bind_transceiver) {
        my $ok = $pdu->{system_id} eq SYSTEM_ID && $pdu->{password} eq PASSWORD;
        push @fail, "bind_transceiver with '$pdu->{system_id}'/'$pdu->{password}'" if !$ok;
        $smpp->bind_transceiver_resp(seq => $pdu->{seq}, status => $ok ? 0 : 0x0D);
        $bound = $ok;
        $enquire_seq = $smpp->enquire_link() if $ok;
    } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
        my $k = $submits_seen++;
        if ($k > 2) { push @fail, 'more than three submit_sm'; $smpp->submit_sm_resp(message_id => '', seq => $pdu->{seq}, status => 0x45); next }
        push @fail, map { "submit_sm " . ($k + 1) . ": $_" } check_submit($pdu, $k);
        $smpp->submit_sm_resp(message_id => $prefix . ($k + 1), seq => $pdu->{seq});
        if ($submits_seen == 3) {
            my %r = %{receipt_for("${prefix}1")};
            my @tlvs = @{delete $r{tlvs}};
            $receipt_seq = $smpp->deliver_sm(%r, @tlvs);
        }
    } elsif ($cmd == Net::SMPP::CMD_deliver_sm_resp) {
        push @fail, "deliver_sm_resp for seq $pdu->{seq}" if !defined $receipt_seq || $pdu->{seq} != $receipt_seq;
        push @fail, "deliver_sm_resp status $pdu->{status}" if $pdu->{status} != 0;
        $receipt_acked = 1;
    } elsif ($cmd == Net::SMPP::CMD_enquire_link_resp) {
        push @fail, "enquire_link_resp seq $pdu->{seq} status $pdu->{status}"
            if !defined $enquire_seq || $pdu->{seq} != $enquire_seq || $pdu->{status} != 0;
        $enquire_answered = 1;
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
        $smpp->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
        $smpp->unbind_resp(seq => $pdu->{seq});
        $unbound = 1;
    } else {
        push @fail, "unexpected command 0x" . sprintf('%08x', $cmd);
        $smpp->generic_nack(seq => $pdu->{seq}, status => 0x03) if !($cmd & 0x80000000);
    }
}

push @fail, 'not bound' if !$bound;
push @fail, "saw $submits_seen submit_sm, want 3" if $submits_seen != 3;
push @fail, 'no enquire_link_resp received' if !$enquire_answered;
push @fail, 'no deliver_sm_resp received' if !$receipt_acked;
push @fail, 'no unbind received' if !$unbound;
result(@fail);
