using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Protocols.Icmp;

namespace Sentinel.Probes.Paths;

/// <summary>
/// TCP SYN probes, as <c>mtr -T</c> sends them: a non-blocking connect per probe to <c>port</c> on the destination,
/// from a socket of its own whose source port tells its answers apart, with the TTL set on that socket. Routers
/// answer "time exceeded" on the session's raw ICMP socket, quoting the SYN's ports; the destination answers with
/// a SYN-ACK (something listens) or a RST (nothing does): either way the probe arrived. Networks that filter or
/// de-prioritise ICMP echo often pass these, since they look like the traffic the path carries.
/// </summary>
internal sealed class TcpSynSender(IcmpSession icmp, IPAddress target, PathSection section, TimeProvider time) : IHopProbeSender
{
    /// <summary>How long a connect that failed at once waits for the session's receive loop to read the ICMP answer that may explain it.</summary>
    private static readonly TimeSpan IcmpReadGrace = TimeSpan.FromMilliseconds(50);

    public async Task<EchoOutcome> SendAsync(int ttl, CancellationToken cancellationToken)
    {
        using var probe = HopProbeSenders.Open(target, SocketType.Stream, ProtocolType.Tcp, ttl);
        var socket = probe.Socket;

        // Closed with a RST, not a FIN: a probe leaves no connection open on the destination nor a TIME_WAIT here.
        socket.LingerState = new LingerOption(true, 0);
        using var expected = icmp.Expect(ProbeProtocol.Tcp, probe.Port, target);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sent = time.GetTimestamp();
        var attempt = socket.ConnectAsync(new IPEndPoint(target, section.Port), stop.Token).AsTask();

        // Failed as soon as it was made: no route from this node or a local firewall (no SYN went out), or an ICMP error
        // that answered the SYN already — a "time exceeded" fails the connect as a hard error in SYN-SENT, and on a short
        // path it comes back before the connect call has returned. The kernel queues the message on the raw socket
        // before it fails the connect, so it is there to read: wait a moment for it before calling the failure local.
        if (attempt is { IsFaulted: true, Exception.InnerException: SocketException { SocketErrorCode: not SocketError.ConnectionRefused } local }
            && !await AnsweredWithinAsync(expected.Answer, cancellationToken).ConfigureAwait(false))
        {
            return EchoOutcome.Failed(local.SocketErrorCode, local.Message);
        }

        var connect = CompletionAsync(attempt);
        try
        {
            var first = await Task.WhenAny(expected.Answer, connect).WaitAsync(section.ReplyTimeout, time, cancellationToken).ConfigureAwait(false);
            if (first == connect && connect.Result.Error is SocketError.Success or SocketError.ConnectionRefused)
            {
                return HopProbeSenders.Arrived(target, sent, connect.Result.At, time);
            }

            // An ICMP error answered the SYN (and failed the connect, a hard error in SYN-SENT): its message says who and why.
            var remaining = section.ReplyTimeout - time.GetElapsedTime(sent);
            var answer = await expected.Answer.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            return HopProbeSenders.FromIcmp(answer, target, sent, time);
        }
        catch (TimeoutException)
        {
            return EchoOutcome.Lost;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await ((Task)connect).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Whether the ICMP answer to a probe is read within <see cref="IcmpReadGrace"/>.</summary>
    private async Task<bool> AnsweredWithinAsync(Task answer, CancellationToken cancellationToken)
    {
        try
        {
            await answer.WaitAsync(IcmpReadGrace, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The connect's outcome and when it came: success (SYN-ACK), refused (RST), or another error.</summary>
    private async Task<(long At, SocketError Error)> CompletionAsync(Task connect)
    {
        try
        {
            await connect.ConfigureAwait(false);
            return (time.GetTimestamp(), SocketError.Success);
        }
        catch (SocketException ex)
        {
            return (time.GetTimestamp(), ex.SocketErrorCode);
        }
    }
}
