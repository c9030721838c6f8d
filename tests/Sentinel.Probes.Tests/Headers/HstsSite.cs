using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Headers;

/// <summary>
/// A site for the HSTS tests, reached as <c>localhost</c> (a name, so that preloading can be judged): an HTTPS
/// server with a certificate from a test CA, answering each path with the Strict-Transport-Security fields a test
/// set for it, and a plain-HTTP server that redirects every path to the same path on the HTTPS server.
/// </summary>
public sealed class HstsSite : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, string[]> _fields = new(StringComparer.Ordinal);
    private readonly TempDirectory _directory = new("sentinel-hsts");
    private TestCertificateAuthority? _ca;
    private int _next;

    public HeaderServer Https { get; private set; } = null!;

    public HeaderServer Plain { get; private set; } = null!;

    public string CaFile { get; private set; } = null!;

    /// <summary>A new path whose HTTPS answers carry <paramref name="fields"/> (one field each, in order).</summary>
    public string PathFor(params string[] fields)
    {
        var path = $"/case/{Interlocked.Increment(ref _next)}";
        _fields[path] = fields;
        return path;
    }

    /// <summary>A headers section trusting the site's CA and checking the plain redirect on <see cref="Plain"/>.</summary>
    public JsonObject Section(string path, JsonObject? hsts = null)
    {
        hsts ??= [];
        hsts["httpUrl"] ??= $"http://localhost:{Plain.Port}{path}";
        return new JsonObject { ["tls"] = new JsonObject { ["caFile"] = CaFile }, ["hsts"] = hsts };
    }

    public string HttpsUrl(string path) => $"https://localhost:{Https.Port}{path}";

    public async ValueTask InitializeAsync()
    {
        _ca = TestCertificateAuthority.Create("Sentinel HSTS Test");
        CaFile = _directory.Write("root.pem", _ca.RootPem);
        var chain = _ca.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        Https = await HeaderServer.StartAsync(context =>
        {
            foreach (var field in _fields.GetValueOrDefault(context.Request.Path.Value ?? "", []))
            {
                HeaderServer.Add(context, "Strict-Transport-Security", field);
            }
        }, chain, host: "localhost");
        Plain = await HeaderServer.StartAsync(context =>
        {
            context.Response.StatusCode = 301;
            context.Response.Headers.Location = $"https://localhost:{Https.Port}{context.Request.Path}{context.Request.QueryString}";
        }, host: "localhost");
    }

    public async ValueTask DisposeAsync()
    {
        await Https.DisposeAsync();
        await Plain.DisposeAsync();
        _ca?.Dispose();
        _directory.Dispose();
    }
}
