using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Warms the TLS code paths of a one-shot process before it times a target: OpenSSL's initialisation, SslStream,
/// X509Chain and the system trust store cost around 100 ms on first use, which would otherwise land in the
/// target's <c>tls</c> phase. It runs the check three times, through the runner, against an in-process loopback server with a throwaway
/// chain (<see cref="WarmUpChain"/>), by name and by address in turn (<see cref="ResolutionWarmUp.HostFor"/>).
/// </summary>
internal static class TlsWarmUp
{
    public static async ValueTask RunAsync(Func<CheckDefinition, Task> run, ProbeContext context, CancellationToken cancellationToken)
    {
        using var chain = WarmUpChain.Create(context.Time.GetUtcNow());
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var check = new CheckDefinition
        {
            Id = "warm-up",
            Name = "warm-up",
            Type = "tls",
            Target = $"{ResolutionWarmUp.Host}:{port}",
            IpVersion = IpVersion.V4,
            Timeout = TimeSpan.FromSeconds(5),
            Section = TlsSection.Default,
        };

        for (var i = 0; i < 3; i++)
        {
            // Serving ends with the run: a run that did not connect (a lookup that failed) leaves nothing to accept.
            using var served = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var serving = ServeOnceAsync(listener, chain.ServerOptions, served.Token);
            await run(check with { Target = $"{ResolutionWarmUp.HostFor(i)}:{port}" }).ConfigureAwait(false);
            await served.CancelAsync().ConfigureAwait(false);
            await serving.ConfigureAwait(false);
        }
    }

    private static async Task ServeOnceAsync(TcpListener listener, SslServerAuthenticationOptions tls, CancellationToken cancellationToken)
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            var ssl = new SslStream(client.GetStream());
            await using (ssl.ConfigureAwait(false))
            {
                await ssl.AuthenticateAsServerAsync(tls, cancellationToken).ConfigureAwait(false);
                await ssl.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            // The warm-up only has to exercise the code; its outcome does not matter.
        }
    }
}
