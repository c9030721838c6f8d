using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Testing;

namespace Sentinel.Bench;

/// <summary>
/// The benchmark's HTTPS target, run in its own process so that neither client shares a CPU scheduler queue with
/// it: Kestrel on 127.0.0.1 with a leaf from a test CA for localhost and 127.0.0.1 (root written to DIR/root.pem),
/// serving the test server's endpoints, among them /delay (a known wait before the first byte, a body streamed
/// over a known time); with --plain, the same endpoints over plain HTTP.
/// Prints "READY port [root file]" and serves until its standard input closes.
/// </summary>
internal static class AccuracyServer
{
    public static async Task<int> ServeAsync(string[] args)
    {
        var port = Option(args, "--port") is { } p ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 0;
        using var ca = args.Contains("--plain") ? null : TestCertificateAuthority.Create("Sentinel Bench");
        var root = "";
        if (ca is not null)
        {
            var directory = Option(args, "--dir") ?? Directory.CreateTempSubdirectory("sentinel-bench-").FullName;
            root = Path.Combine(directory, "root.pem");
            await File.WriteAllTextAsync(root, ca.RootPem);
        }

        var chain = ca?.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        await using var server = await HttpTestServer.StartAsync(new HttpTestServerOptions { Tls = chain, Port = port });
        Console.WriteLine($"READY {server.Port} {root}".TrimEnd());
        Console.Out.Flush();

        // Serve until the parent closes our stdin (or Ctrl+D when run by hand).
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>
    /// The DNS benchmark's target: an authoritative server on 127.0.0.1 (UDP and TCP) for bench.test, whose
    /// answer for www.bench.test has two A records, the zone's NS in the authority section and its glue in the
    /// additional section, as real authoritative answers do. Prints "READY port" and serves until stdin closes.
    /// </summary>
    public static async Task<int> ServeDnsAsync()
    {
        using var dns = DnsZoneServer.Start();
        var zone = DomainName.Parse("bench.test.");
        dns.Add(new SoaRecord(zone, 3600, DomainName.Parse("ns1.bench.test."), DomainName.Parse("hostmaster.bench.test."), 2026120201, 7200, 3600, 1209600, 300));
        dns.Add(new NsRecord(zone, 3600, DomainName.Parse("ns1.bench.test.")));
        dns.AddAddress("www.bench.test", "192.0.2.10");
        dns.AddAddress("www.bench.test", "192.0.2.11");
        dns.AddAuthority("www.bench.test.", new NsRecord(zone, 3600, DomainName.Parse("ns1.bench.test.")));
        dns.AddAdditional("www.bench.test.", new ARecord(DomainName.Parse("ns1.bench.test."), 3600, IPAddress.Parse("192.0.2.53")));
        Console.WriteLine($"READY {dns.EndPoint.Port}");
        Console.Out.Flush();
        await Console.In.ReadToEndAsync();
        return 0;
    }

    internal static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
