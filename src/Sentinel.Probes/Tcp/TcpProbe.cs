using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tcp;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Tcp;

/// <summary>
/// <c>type: "tcp"</c>: resolves <c>host:port</c> and opens a new TCP connection to the first address, timing
/// the <c>resolve</c> and <c>connect</c> phases (SYN sent → SYN-ACK received, as curl's time_connect).
/// </summary>
internal sealed class TcpProbe : IProbe, IWarmUp
{
    private const int WarmUpRounds = 5;

    /// <summary>The phases a run times, each a measurement, and its total.</summary>
    public static readonly DurationMeasurements Durations = DurationMeasurements.Listed("tcp", PhaseNames.Resolve, PhaseNames.Connect);

    public static ProbeType Type { get; } = new()
    {
        Name = "tcp",
        Summary = "Resolves host:port and opens a TCP connection; times resolve and connect.",
        Probe = new TcpProbe(),
        ReadSection = TcpSection.Read,
        ValidateTarget = target => HostPort.TryParse(target, 0, out _, out var error) ? null : error,
        Durations = Durations,
        Measurements = Durations.Declared,
        Metrics = [TargetResolution.LookupTime, TargetResolution.IpProtocol, TargetResolution.IpAddrHash],
    };

    public async ValueTask<ProbeResult> RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        var target = HostPort.TryParse(check.Target, 0, out var parsed, out var error)
            ? parsed
            : throw new ArgumentException(error, nameof(check));
        var result = new ProbeResultBuilder(check);
        var start = context.Time.GetTimestamp();
        var addresses = await TargetResolution.ResolveAsync(check, target, context, result, cancellationToken).ConfigureAwait(false);
        IPEndPoint? remote = null;
        IPEndPoint? local = null;
        if (addresses is not null)
        {
            remote = new IPEndPoint(addresses[0], target.Port);
            local = await TcpConnector.ConnectAndCloseAsync(remote, check, context, result, cancellationToken).ConfigureAwait(false);
        }

        result.Details = new TcpDetails(context.ResolverFor(check).Name, addresses ?? [], remote, local);
        result.MeasureDurations(Durations, context.Time.GetElapsedTime(start));
        return result.Build();
    }

    public async ValueTask WarmUpAsync(ProbeContext context, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        // Socket creation, a connection that succeeds and one that is refused (a first SocketException alone costs
        // milliseconds), all on loopback, each by name (where one resolves locally) and by address in turn. The resolver
        // itself is warmed for every type alike, right before the run (ProbeRunner.WarmUpResolutionAsync).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var open = ((IPEndPoint)listener.LocalEndPoint!).Port;
        int closed;
        using (var unused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            unused.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closed = ((IPEndPoint)unused.LocalEndPoint!).Port;
        }

        for (var round = 0; round < WarmUpRounds; round++)
        {
            await run(WarmUpCheck(ResolutionWarmUp.HostFor(round), open)).ConfigureAwait(false);
            using (var accepted = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            await run(WarmUpCheck(ResolutionWarmUp.HostFor(round + 1), closed)).ConfigureAwait(false);
        }
    }

    private static CheckDefinition WarmUpCheck(string host, int port) => new()
    {
        Id = "warm-up", Name = "warm-up", Type = "tcp", Target = $"{host}:{port}", IpVersion = IpVersion.V4, Timeout = TimeSpan.FromSeconds(2),
    };
}
