using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// Opens the raw ICMP socket of an <c>icmp</c> or <c>path</c> run as its <c>setup</c> phase, and classifies
/// why it could not be opened. Both are faults on Sentinel's side (the target was never probed), so their
/// result is unknown: <c>path_permission_denied</c> without CAP_NET_RAW, <c>probe_error</c> otherwise.
/// </summary>
internal static class IcmpSetup
{
    public static IcmpSession? Open(IPAddress target, ProbeContext context, ProbeResultBuilder result)
    {
        var start = context.Time.GetTimestamp();
        try
        {
            return IcmpSession.Open(target.AddressFamily, context.Time);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
        {
            result.Fail(Layers.Probe, FailureCategories.PathPermissionDenied,
                $"this Sentinel process may not open a raw {Protocol(target)} socket to probe {target}: {ex.Message}",
                "give Sentinel CAP_NET_RAW: AmbientCapabilities=CAP_NET_RAW in its systemd unit, --cap-add NET_RAW for a container, or setcap cap_net_raw+ep on the sentinel executable");
            return null;
        }
        catch (SocketException ex)
        {
            result.Fail(Layers.Probe, FailureCategories.ProbeError,
                $"this node cannot open a raw {Protocol(target)} socket to probe {target}: {ex.Message} ({ex.SocketErrorCode})",
                ex.SocketErrorCode == SocketError.AddressFamilyNotSupported
                    ? "this node has no IPv6 stack (or it is disabled); probe an IPv4 address or enable IPv6"
                    : "a fault of this Sentinel node (file descriptors, memory); the target may be fine");
            return null;
        }
        finally
        {
            result.Phase(PhaseNames.Setup, context.Time.GetElapsedTime(start));
        }
    }

    private static string Protocol(IPAddress target) =>
        target.AddressFamily == AddressFamily.InterNetworkV6 ? "ICMPv6" : "ICMP";
}
