using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tcp;

/// <summary>
/// Opens a TCP connection and classifies why it failed: a reset is <c>tcp_refused</c>, silence until the
/// deadline is <c>tcp_timeout</c>, no route is <c>network_unreachable</c>; faults of this node (no file
/// descriptors, address family unsupported) are <c>probe_error</c>.
/// </summary>
internal static class TcpConnector
{
    /// <summary>
    /// Connects to <paramref name="remote"/> and records the <c>connect</c> phase; returns the connected socket,
    /// or null with the failure recorded in <paramref name="result"/>.
    /// </summary>
    public static async ValueTask<Socket?> ConnectAsync(
        IPEndPoint remote, CheckDefinition check, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        Socket socket;
        try
        {
            socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        }
        catch (SocketException ex)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError,
                $"this node cannot open a TCP socket for {remote}: {ex.Message} ({ex.SocketErrorCode})",
                ex.SocketErrorCode == SocketError.TooManyOpenSockets
                    ? "this node is out of file descriptors; raise its limit (ulimit -n) or lower its load"
                    : "this node's network stack refuses the socket; check that the address family is enabled");
            return null;
        }

        var start = context.Time.GetTimestamp();
        try
        {
            // The connect() call is made before ConnectAsync returns. Where the handshake completes inside it (a peer
            // on this host: the kernel answers the SYN in the same call), the socket is writable at once, yet the
            // await still waits for the socket engine's epoll thread to see it and a pool thread to run the rest,
            // 0.2-0.5 ms that are Sentinel's, not the target's. curl stops its clock when poll() says writable; so
            // does this, with a poll that does not wait. A connection still pending is timed when the await ends.
            var connecting = socket.ConnectAsync(remote, cancellationToken);
            var established = !connecting.IsCompleted && socket.Poll(0, SelectMode.SelectWrite) ? context.Time.GetTimestamp() : (long?)null;
            await connecting.ConfigureAwait(false);
            result.Phase(PhaseNames.Connect, context.Time.GetElapsedTime(start, established ?? context.Time.GetTimestamp()));
            return socket;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Phase(PhaseNames.Connect, context.Time.GetElapsedTime(start));
            result.Fail(Layers.Tcp, FailureCategories.TcpTimeout,
                $"no answer from {remote} to the connection attempt within the check's timeout ({Duration.Format(check.Timeout)})",
                $"a firewall may be dropping packets to port {remote.Port}, or the host is down or overloaded");
        }
        catch (SocketException ex)
        {
            result.Phase(PhaseNames.Connect, context.Time.GetElapsedTime(start));
            result.Problem(Classify(ex, remote));
        }

        socket.Dispose();
        return null;
    }

    /// <summary>Connects, then closes at once: what a <c>tcp</c> check does. Returns the local end point used.</summary>
    public static async ValueTask<IPEndPoint?> ConnectAndCloseAsync(
        IPEndPoint remote, CheckDefinition check, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(remote, check, context, result, cancellationToken).ConfigureAwait(false);
        return socket?.LocalEndPoint as IPEndPoint;
    }

    internal static Problem Classify(SocketException ex, IPEndPoint remote) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => new Problem(Layers.Tcp, FailureCategories.TcpRefused,
            $"{remote} refused the connection: nothing is listening on port {remote.Port}",
            IPAddress.IsLoopback(remote.Address)
                ? $"nothing listens on {remote}; is the service running, and bound to this address and port?"
                : $"nothing listens on port {remote.Port} of {remote.Address}; is the service running, or bound to 127.0.0.1 only?"),
        SocketError.TimedOut => new Problem(Layers.Tcp, FailureCategories.TcpTimeout,
            $"the connection attempt to {remote} timed out in the kernel (no SYN-ACK)",
            $"a firewall may be dropping packets to port {remote.Port}, or the host is down"),
        SocketError.NetworkUnreachable => new Problem(Layers.Tcp, FailureCategories.NetworkUnreachable,
            $"no route to {remote.Address}: the network is unreachable from this node",
            "check this node's routing table, VPN and (for IPv6 targets) IPv6 connectivity"),
        SocketError.HostUnreachable => new Problem(Layers.Tcp, FailureCategories.NetworkUnreachable,
            $"{remote.Address} is unreachable (no route to host)",
            "a router or this node reported the host unreachable: check routes, ARP/neighbour reachability and firewalls on the way"),
        SocketError.AccessDenied => new Problem(Layers.Tcp, FailureCategories.NetworkUnreachable,
            $"connecting to {remote} was denied on this node (a local firewall rule or a prohibit route)",
            "check this node's firewall (nftables/iptables) and policy routes for the target's address"),
        SocketError.ConnectionReset or SocketError.ConnectionAborted => new Problem(Layers.Tcp, FailureCategories.TcpFailed,
            $"{remote} reset the connection during the handshake",
            "a middlebox or the host dropped the connection as it opened; compare with nc or curl from this node"),
        SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable or SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable
            => new Problem(Layers.Probe, FailureCategories.ProbeError,
            $"this node could not connect to {remote}: {ex.Message} ({ex.SocketErrorCode})",
            "a fault of this Sentinel node (address family, ports or buffers exhausted); the target may be fine"),
        _ => new Problem(Layers.Tcp, FailureCategories.TcpFailed,
            $"connecting to {remote} failed: {ex.Message} ({ex.SocketErrorCode})",
            "compare with a manual connection from this node (nc -vz host port)"),
    };
}
