using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Tls;

/// <summary>
/// Warms the TLS code paths of a one-shot process before it times a target: OpenSSL's initialisation, SslStream,
/// X509Chain and the system trust store cost around 100 ms on first use, which would otherwise land in the
/// target's <c>tls</c> phase. It runs the check three times, through the runner, against an in-process loopback server with a throwaway
/// self-signed certificate, by name and by address in turn (<see cref="ResolutionWarmUp.HostFor"/>).
/// </summary>
internal static class TlsWarmUp
{
    public static async ValueTask RunAsync(Func<CheckDefinition, Task> run, ProbeContext context, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sentinel-warm-up", key, HashAlgorithmName.SHA256);
        var now = context.Time.GetUtcNow();
        using var ephemeral = request.CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(10));

        // SslStream on Linux serves only certificates whose key is not ephemeral: round-trip through PKCS#12.
        using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
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
            var serving = ServeOnceAsync(listener, certificate, cancellationToken);
            await run(check with { Target = $"{ResolutionWarmUp.HostFor(i)}:{port}" }).ConfigureAwait(false);
            await serving.ConfigureAwait(false);
        }
    }

    private static async Task ServeOnceAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            var ssl = new SslStream(client.GetStream());
            await using (ssl.ConfigureAwait(false))
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellationToken).ConfigureAwait(false);
                await ssl.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            // The warm-up only has to exercise the code; its outcome does not matter.
        }
    }
}
