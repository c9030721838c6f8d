using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>
/// Chain verdicts that OpenSSL and browsers would give, against real TLS servers on loopback: certificates the
/// server sends that no path uses, usages other than TLS servers, leaves of unknown issuers, intermediates in
/// caFile, certificates the verifier cannot process, dates and signatures of intermediates and leaves, wildcards.
/// </summary>
public sealed class TlsChainVerdictTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const string Host = "www.sentinel.test";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task RunAsync_ExpiredCrossSignSentBesidesTheChain_IsUpWithAnInfoFinding()
    {
        // As servers kept sending ISRG Root X1 cross-signed by the expired DST Root CA X3: no path uses it, and
        // openssl s_client says "Verify return code: 0 (ok)".
        var issued = pki.Trusted.Issue(new CertificateSpec());
        using var crossSign = pki.Trusted.CrossSignedRoot(Now.AddYears(-3), Now.AddDays(-30));
        await using var server = await OpenSslServer.StartAsync(new TestChain(issued.Leaf, [.. issued.Intermediates, crossSign], issued.Root), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
        var finding = Assert.Single(result.Findings);
        Assert.Equal(("tls.unused_certificate_expired", FindingSeverity.Info), (finding.Id, finding.Severity));
        Assert.StartsWith("the server also sends CN=Sentinel Test Root CA, O=Sentinel Tests (issued by CN=Sentinel Old Root CA, O=Sentinel Tests), which expired 30 days ago, on ", finding.Message, StringComparison.Ordinal);
        Assert.InRange(result.Measurements["cert.chain_days_left"].Number!.Value, 87, 89);

        // As blackbox_exporter's: the earliest expiry of everything the server sent, the unused certificate too.
        Assert.Equal(new DateTimeOffset(crossSign.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
            Assert.Single(result.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry").Value);
    }

    [Fact]
    public async Task RunAsync_LeafForClientAuthenticationOnly_ReportsInvalidChainNamingTheUsage()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { Client = true }));

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_invalid_chain"], result.Problems.Select(p => p.Category));
        Assert.Equal("the leaf certificate (CN=www.sentinel.test, O=Sentinel Tests) is not for TLS servers: its extended key usage allows clientAuth, not serverAuth (OpenSSL: \"unsuitable certificate purpose\")", result.Failure!.Message);
        Assert.StartsWith("reissue the certificate with the extended key usage serverAuth", result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LeafOfAnUntrustedPrivateRootSentAloneCheckedWithTheSystemStore_ReportsUntrustedRoot()
    {
        // Signed by the root itself and naming no issuer URL (mkcert, a cluster CA), checked against the system
        // store: nothing says an intermediate is missing, so the unknown issuer is most likely a root not trusted here.
        await using var server = TlsServer.Start(pki.Unknown.IssueFromRoot(new CertificateSpec { NamesIssuer = false }));

        var result = await RunAsync(server.Target, $$"""{ "serverName": "{{Host}}" }""");

        Assert.Equal(["tls_untrusted_root"], result.Problems.Select(p => p.Category));
        Assert.Equal("the server sent its certificate (CN=www.sentinel.test, O=Sentinel Tests) alone, and its issuer CN=Unknown Test Root CA, O=Sentinel Tests is not in the system trust store: an untrusted root, or an intermediate the server does not send (the certificate names no CA Issuers URL that would tell)", result.Failure!.Message);
        Assert.Equal("if CN=Unknown Test Root CA, O=Sentinel Tests is your private CA's root, set the check's caFile to a file holding it; if it is an intermediate, configure the server's full chain file (the leaf followed by its intermediates)", result.Failure.Hint);
    }

    [Fact]
    public async Task RunAsync_LeafWithoutIssuerUrlSentAloneCheckedWithCaFile_ReportsIncompleteChain()
    {
        // A private PKI made with openssl (root, intermediate, leaf without AIA) whose server sends the leaf alone:
        // the check names its root in caFile, so the leaf's issuer outside it is an intermediate that is missing.
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { NamesIssuer = false }), new TlsServerOptions { SendIntermediates = false });

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_incomplete_chain"], result.Problems.Select(p => p.Category));
        Assert.Equal($"the server sent 1 certificate ending at CN=www.sentinel.test, O=Sentinel Tests, but not the certificate of its issuer (CN=Sentinel Test Intermediate CA, O=Sentinel Tests), and caFile {pki.RootFile} does not have it either, so the chain cannot be checked up to a root", result.Failure!.Message);
        Assert.StartsWith("the server does not send its intermediate certificate", result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CaFileHoldsOnlyTheIntermediate_SaysAnIntermediateCannotBeTheAnchor()
    {
        var caFile = pki.Directory.Write($"intermediate-only-{Guid.NewGuid():N}.pem", pki.Trusted.Intermediate.ExportCertificatePem() + "\n");
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec()));

        var result = await RunAsync(server.Target, $$"""{ "serverName": "{{Host}}", "caFile": "{{caFile}}" }""");

        Assert.Equal(["tls_untrusted_root"], result.Problems.Select(p => p.Category));
        Assert.Equal($"the chain ends at the intermediate certificate (CN=Sentinel Test Intermediate CA, O=Sentinel Tests), which caFile {caFile} holds; but only a self-signed root can be a trust anchor here, and its issuer CN=Sentinel Test Root CA, O=Sentinel Tests is not in caFile {caFile}", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_LeafTheVerifierCannotProcess_FailsClosedWithInvalidChain()
    {
        // A proxy certificate (RFC 3820) makes .NET's chain builder on Linux throw: SslStream's handshake stops, and
        // the chain read for inspection cannot be validated. Neither may pass as a valid chain. (Without subject
        // alternative names, which a proxy certificate may not have, or OpenSSL's server would not use it for
        // TLS 1.2, where the chain is read in clear text.)
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec { Proxy = true, DnsNames = [] }), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_handshake_failed", "tls_hostname_mismatch", "tls_invalid_chain"], result.Problems.Select(p => p.Category));
        Assert.StartsWith($"the TLS handshake with {server.Target} stopped: this node's certificate verifier (OpenSSL, through .NET) failed on the server's chain (", result.Problems[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("the chain cannot be checked: this node's certificate verifier (OpenSSL, through .NET) failed on it (", result.Problems[2].Message, StringComparison.Ordinal);
        Assert.True(result.Measurements.ContainsKey("cert.days_left"));
    }

    [Fact]
    public async Task RunAsync_NotYetValidIntermediate_ReportsNotYetValidNamingIt()
    {
        using var ca = pki.Trusted.WithIntermediate(notBefore: Now.AddDays(3));
        await using var server = await OpenSslServer.StartAsync(ca.Issue(new CertificateSpec()), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_not_yet_valid"], result.Problems.Select(p => p.Category));
        Assert.StartsWith("the intermediate certificate (CN=Sentinel Test Second Intermediate CA, O=Sentinel Tests) is not valid until ", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Sha1SignedLeaf_ReportsWeakSignature()
    {
        await using var server = await OpenSslServer.StartAsync(pki.Trusted.Issue(new CertificateSpec { Sha1 = true }), pki.Directory.Path);

        var result = await RunAsync(server.Target, Tls(Host));

        Assert.Equal(["tls_weak_signature"], result.Problems.Select(p => p.Category));
        Assert.Equal("the leaf certificate (CN=www.sentinel.test, O=Sentinel Tests) is signed with SHA-1 (sha1WithRSAEncryption), which browsers and OpenSSL reject", result.Failure!.Message);
        Assert.Equal("reissue the certificate with a SHA-256 signature", result.Failure.Hint);
    }

    [Fact]
    public async Task RunAsync_WildcardOverAPublicSuffix_ReportsHostnameMismatchSayingWhy()
    {
        await using var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "*.co.uk" }));

        var result = await RunAsync(server.Target, Tls("example.co.uk"));

        Assert.Equal(["tls_hostname_mismatch"], result.Problems.Select(p => p.Category));
        Assert.Equal("the certificate (CN=*.co.uk, O=Sentinel Tests) is not valid for example.co.uk: it names DNS:*.co.uk (the wildcard *.co.uk is refused: co.uk is a public suffix, and browsers refuse wildcards over one)", result.Failure!.Message);
    }

    private string Tls(string? serverName, string extra = "") => TlsChecks.Section(pki.RootFile, serverName, extra);

    private Task<ProbeResult> RunAsync(string target, string section, string timeout = "5s") => TlsChecks.RunAsync(_runner, target, section, timeout);
}
