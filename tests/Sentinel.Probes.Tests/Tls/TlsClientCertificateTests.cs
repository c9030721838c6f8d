using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// Mutual TLS against real servers: openssl s_server requiring or merely requesting a client certificate under
/// TLS 1.2 and 1.3, and an SslStream server that requests one and closes. Under TLS 1.3 the server's verdict
/// comes after the handshake, so these also show how long the probe waits for it.
/// </summary>
public sealed class TlsClientCertificateTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const string Host = "www.sentinel.test";
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Theory]
    [InlineData("-tls1_3", "certificate required")]
    [InlineData("-tls1_2", "handshake failure")]
    public async Task RunAsync_ServerRequiresClientCertificateAndNoneGiven_ReportsHandshakeFailedWithTheAlert(string version, string alert)
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec()), pki.Directory.Path,
            arguments: [version, "-Verify", "1", "-CAfile", pki.RootAndIntermediateFile]);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_handshake_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} ended the TLS handshake with the alert \"{alert}\"", result.Failure!.Message);
        Assert.Contains("client certificate", result.Failure.Hint, StringComparison.Ordinal);

        // The chain is inspected all the same: from the handshake under TLS 1.3, from a clear-text read under TLS 1.2.
        Assert.True(result.Measurements.ContainsKey("cert.days_left"));
    }

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task RunAsync_ServerRequiresClientCertificateAndOneGiven_IsUp(string version)
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec()), pki.Directory.Path,
            arguments: [version, "-Verify", "1", "-CAfile", pki.RootAndIntermediateFile]);

        var result = await RunAsync(server.Target, Tls(Host, ClientCertificate()));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
    }

    [Theory]
    [InlineData("-verify", false)]
    [InlineData("-verify", true)]
    [InlineData(null, true)]
    public async Task RunAsync_Tls13ServerAcceptsTheClient_DoesNotWaitOutTheVerdictWindow(string? request, bool sendCertificate)
    {
        // The verdict window runs on a clock that never moves: only the server's own records can end the wait
        // (its session tickets, sent once it accepted the client's flight), or no wait at all when the server did
        // not ask for a certificate. A wait for the window would last until the test's own 20 s stop.
        string[] arguments = request is null ? ["-tls1_3"] : ["-tls1_3", request, "1", "-CAfile", pki.RootAndIntermediateFile];
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec()), pki.Directory.Path, arguments: arguments);
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { Time = new FakeTimeProvider(DateTimeOffset.UtcNow) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(20));

        var result = await TlsChecks.RunAsync(runner, server.Target, Tls(Host, sendCertificate ? ClientCertificate() : ""), cancellationToken: stop.Token);

        Assert.False(stop.IsCancellationRequested, "the probe waited for its verdict window although the server had accepted");
        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
    }

    [Fact]
    public async Task RunAsync_Tls13ServerRequestsACertificateThenClosesWithoutAnAlert_IsUp()
    {
        // A close without an alert refuses nothing: the server may simply be done with the connection.
        var chain = pki.Trusted.Issue(new CertificateSpec());
        var context = SslStreamCertificateContext.Create(chain.Leaf, new X509Certificate2Collection(chain.Intermediates.ToArray()), offline: true);
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            await using var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = context,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    ClientCertificateRequired = true,
                    // Asks, but takes a connection without a certificate (nginx ssl_verify_client optional).
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is null,
                }, ct);
            }
            catch (AuthenticationException)
            {
                // Connections made only to read the chain end in a failed handshake.
            }
        });

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
        Assert.Contains("\"requested\":true", ProbeResultJson.Serialize(result), StringComparison.Ordinal);
    }

    private string ClientCertificate()
    {
        var client = pki.Trusted.Issue(new CertificateSpec { CommonName = "probe.sentinel.test", Client = true });
        var files = client.WriteTo(pki.Directory.Path, $"client-{Guid.NewGuid():N}");
        return $""" "clientCertificate": "{files.Certificate}", "clientKey": "{files.Key}" """;
    }

    private string Tls(string? serverName, string extra = "") => TlsChecks.Section(pki.RootFile, serverName, extra);

    private Task<ProbeResult> RunAsync(string target, string section, string timeout = "5s") => TlsChecks.RunAsync(_runner, target, section, timeout);
}
