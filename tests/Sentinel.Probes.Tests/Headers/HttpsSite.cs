using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Testing;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>A test CA, a certificate for 127.0.0.1 issued by it, and the CA file a check trusts it through.</summary>
internal sealed class HttpsSite : IDisposable
{
    private readonly TempDirectory _directory = new("sentinel-headers");
    private readonly TestCertificateAuthority _ca = TestCertificateAuthority.Create("Sentinel Headers Test");

    public HttpsSite()
    {
        Chain = _ca.Issue(new CertificateSpec { IpAddresses = [IPAddress.Loopback] });
        CaFile = _directory.Write("root.pem", _ca.RootPem);
    }

    public TestChain Chain { get; }

    public string CaFile { get; }

    /// <summary>The section with <c>tls.caFile</c> set to the CA file.</summary>
    public JsonObject Trusting(JsonObject section)
    {
        section["tls"] = new JsonObject { ["caFile"] = CaFile };
        return section;
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }
}
