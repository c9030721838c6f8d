using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Tests.Headers;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Audits;

/// <summary>
/// A site for the HSTS tests, reached by name so that preloading can be judged: <see cref="Domain"/> (a registrable
/// domain, since .test is an unlisted top-level label) and <c>www.sentinel.test</c> (a subdomain of it), both
/// 127.0.0.1 in a real DNS server the checks use as their resolver. An HTTPS server with a certificate from a test
/// CA (for both names, localhost and 127.0.0.1) answers each path with the Strict-Transport-Security fields a test
/// set for it; a plain-HTTP server redirects every path to the same host and path on the HTTPS server.
/// </summary>
public sealed class HstsSite : IAsyncLifetime
{
    /// <summary>The site's registrable domain.</summary>
    public const string Domain = "sentinel.test";

    private readonly ConcurrentDictionary<string, string[]> _fields = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _abortCors = new(StringComparer.Ordinal);
    private readonly TempDirectory _directory = new("sentinel-hsts");
    private readonly DnsZoneServer _dns = DnsZoneServer.Start();
    private TestCertificateAuthority? _ca;
    private int _next;

    public HeaderServer Https { get; private set; } = null!;

    public HeaderServer Plain { get; private set; } = null!;

    public string CaFile { get; private set; } = null!;

    /// <summary>The certificate chain the HTTPS server serves (for both names), for a test's own HTTPS server.</summary>
    public TestChain Chain { get; private set; } = null!;

    /// <summary>The DNS server that resolves the site's names, as a check's <c>resolver</c>.</summary>
    public string Resolver => _dns.Address;

    /// <summary>A new path whose HTTPS answers carry <paramref name="fields"/> (one field each, in order).</summary>
    public string PathFor(params string[] fields)
    {
        var path = $"/case/{Interlocked.Increment(ref _next)}";
        _fields[path] = fields;
        return path;
    }

    /// <summary>Makes the HTTPS server drop the connection of every request to <paramref name="path"/> that carries an Origin (the CORS requests).</summary>
    public void AbortCorsRequests(string path) => _abortCors[path] = true;

    /// <summary>A headers section trusting the site's CA and checking the plain redirect on <see cref="Plain"/>.</summary>
    public JsonObject Section(string path, JsonObject? hsts = null, string host = Domain)
    {
        hsts ??= [];
        hsts["httpUrl"] ??= PlainUrl(path, host);
        return new JsonObject { ["tls"] = new JsonObject { ["caFile"] = CaFile }, ["hsts"] = hsts };
    }

    /// <summary>A headers check of <paramref name="target"/> that resolves the site's names with <see cref="Resolver"/>, over IPv4.</summary>
    public CheckDefinition Parse(string target, JsonObject section, string timeout = "5s") =>
        HeadersChecks.Parse(target, section, timeout: timeout, ipVersion: "ipv4", resolver: Resolver);

    public string HttpsUrl(string path, string host = Domain) => $"https://{host}:{Https.Port}{path}";

    public string PlainUrl(string path, string host = Domain) => $"http://{host}:{Plain.Port}{path}";

    public async ValueTask InitializeAsync()
    {
        _dns.AddAddress($"{Domain}.", "127.0.0.1");
        _dns.AddAddress($"www.{Domain}.", "127.0.0.1");
        _ca = TestCertificateAuthority.Create("Sentinel HSTS Test");
        CaFile = _directory.Write("root.pem", _ca.RootPem);
        Chain = _ca.Issue(new CertificateSpec { CommonName = Domain, DnsNames = [Domain, $"www.{Domain}", "localhost"], IpAddresses = [IPAddress.Loopback] });
        Https = await HeaderServer.StartAsync(context =>
        {
            var path = context.Request.Path.Value ?? "";
            if (_abortCors.ContainsKey(path) && context.Request.Headers.Origin.Count > 0)
            {
                context.Abort();
                return;
            }

            foreach (var field in _fields.GetValueOrDefault(path, []))
            {
                HeaderServer.Add(context, "Strict-Transport-Security", field);
            }
        }, Chain, host: Domain);
        Plain = await HeaderServer.StartAsync(context =>
        {
            context.Response.StatusCode = 301;
            context.Response.Headers.Location = $"https://{context.Request.Host.Host}:{Https.Port}{context.Request.Path}{context.Request.QueryString}";
        }, host: Domain);
    }

    public async ValueTask DisposeAsync()
    {
        await Https.DisposeAsync();
        await Plain.DisposeAsync();
        _dns.Dispose();
        _ca?.Dispose();
        _directory.Dispose();
    }
}
