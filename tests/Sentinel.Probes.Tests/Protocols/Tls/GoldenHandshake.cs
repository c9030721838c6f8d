using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>
/// A TLS inspection whose every byte is known in advance, for the golden details: a real handshake on loopback with
/// a fixed certificate chain (testdata/details/golden-*.pem: a leaf for www.sentinel.test, api.sentinel.test and
/// 127.0.0.1 and the intermediate the server sends after it, below a root nobody trusts), inspected at a fixed time
/// against the system trust store.
/// </summary>
internal static class GoldenHandshake
{
    public const string Host = "www.sentinel.test";

    /// <summary>When the inspection takes place: within the certificates' validity.</summary>
    public static readonly DateTimeOffset Now = new(2027, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<TlsInspection> InspectAsync()
    {
        using var root = X509Certificate2.CreateFromPem(DetailsGoldenFile("golden-root.pem"));
        using var intermediate = X509Certificate2.CreateFromPem(DetailsGoldenFile("golden-intermediate.pem"));
        using var leaf = X509Certificate2.CreateFromPem(DetailsGoldenFile("golden-leaf.pem"), DetailsGoldenFile("golden-leaf.key"));
        await using var server = TlsServer.Start(new TestChain(leaf, [intermediate], root));
        var context = new ProbeContext { Time = new FakeTimeProvider(Now), State = new InMemoryCheckStateStore() };
        var capture = new TlsCapture();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        await using var ssl = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions { TargetHost = Host };
        capture.ConfigureClient(options, TlsTrust.System, clientCertificate: null, Now);
        await ssl.AuthenticateAsClientAsync(options, TestContext.Current.CancellationToken);
        capture.OnAuthenticated(ssl);
        return await TlsInspector.InspectAsync(capture, new TlsExpectations(Host, TlsTrust.System, TimeSpan.FromDays(14)),
            "golden", context, TestContext.Current.CancellationToken);
    }

    private static string DetailsGoldenFile(string name) => Reporting.DetailsGolden.Golden(name);
}
