using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Probes.Tests.Paths;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests;

/// <summary>
/// The measurements real runs write are exactly those their types declare: each name a run writes is one an assertion
/// may use (a name built at run time, such as a phase's duration, cannot slip past the type's list), and each name a
/// type declares is written by one of its runs. The runs, against loopback peers and a closed port, between them reach
/// every measurement of every type. ICMP and path runs share the raw-socket tests' collection.
/// </summary>
[Collection(nameof(SerialPathLab))]
public sealed class ProbeCatalogTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext { State = new InMemoryCheckStateStore() });

    public static TheoryData<string> Types() => new(ProbeCatalog.Default.Types.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Types))]
    public async Task RunAsync_RunsOfEachType_WriteExactlyTheDeclaredMeasurements(string name)
    {
        var type = ProbeCatalog.Default.Find(name)!;
        var written = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (run, result) in RunAsync(name))
        {
            foreach (var measurement in result.Measurements.Keys)
            {
                Assert.True(type.HasMeasurement(measurement), $"{run}: {measurement} is not declared by type {name}");
                Assert.True(!DurationMeasurements.IsDuration(measurement) || (type.Durations?.Names.Contains(measurement) ?? false),
                    $"{run}: {measurement} is not one of type {name}'s phases");
                written.Add(measurement);
            }
        }

        var declared = type.Measurements.Where(m => !m.Contains('*', StringComparison.Ordinal)).Concat(type.Durations?.Names ?? []);
        var unwritten = declared.Where(m => !written.Contains(m)).ToList();
        Assert.True(unwritten.Count == 0, $"declared by type {name}, written by none of its runs: {string.Join(", ", unwritten)}");
    }

    /// <summary>The runs of one type, each named for the assertion messages.</summary>
    private async IAsyncEnumerable<(string Run, ProbeResult Result)> RunAsync(string type)
    {
        var closed = $"127.0.0.1:{TcpPorts.Closed()}";
        switch (type)
        {
            case "tcp":
                using (var listener = new TcpListener(IPAddress.Loopback, 0))
                {
                    listener.Start();
                    yield return ("a listening port", await RunAsync("tcp", listener.LocalEndpoint.ToString()!));
                }

                yield return ("a closed port", await RunAsync("tcp", closed));
                break;

            case "tls":
                await using (var server = TlsServer.Start(pki.Trusted.Issue(new CertificateSpec())))
                {
                    yield return ("a handshake and the version audit", await RunAsync("tls", server.Target, new { caFile = pki.RootFile, serverName = "www.sentinel.test", tlsVersions = true }));
                }

                await using (var server = SmtpStartTlsServer.Start(pki.Trusted.Issue(new CertificateSpec { CommonName = "smtp.sentinel.test" })))
                {
                    yield return ("STARTTLS", await RunAsync("tls", server.Target, new { caFile = pki.RootFile, serverName = "smtp.sentinel.test", starttls = "smtp" }));
                }

                yield return ("a closed port", await RunAsync("tls", closed, new { caFile = pki.RootFile }));
                break;

            case "http" or "headers":
                // HTTPS with an address policy and a valid HSTS policy: every http measurement, and every audit one.
                await using (var server = await HeaderServer.StartAsync(
                    c => HeaderServer.Add(c, "Strict-Transport-Security", "max-age=31536000"), pki.Trusted.Issue(new CertificateSpec { IpAddresses = [IPAddress.Loopback] })))
                {
                    var audit = new { hsts = new { httpRedirect = false } };
                    var tls = new { caFile = pki.RootFile };
                    object section = type == "http" ? new { addresses = "any", tls, audit } : new { addresses = "any", tls, audit.hsts };
                    yield return ("an audited HTTPS exchange", await RunAsync(type, server.Url(), section));
                }

                yield return ("a closed port", await RunAsync(type, $"http://{closed}/"));
                break;

            case "dns":
                using (var dns = DnsZoneServer.Start())
                {
                    dns.Add(new SoaRecord(DomainName.Parse("zone.test."), 3600, DomainName.Parse("ns1.zone.test."), DomainName.Parse("hostmaster.zone.test."), 2024010101, 7200, 3600, 1209600, 300));
                    yield return ("an SOA answer", await RunAsync("dns", "zone.test", new { recordType = "SOA", servers = new[] { dns.Address } }));
                    yield return ("NXDOMAIN", await RunAsync("dns", "missing.zone.test", new { servers = new[] { dns.Address } }));
                }

                yield return ("a server not listening", await RunAsync("dns", "zone.test", new { servers = new[] { closed } }, timeout: "1s"));
                break;

            case "icmp":
                yield return ("loopback", await RunAsync("icmp", "127.0.0.1", new { count = 2, interval = "20ms", replyTimeout = "1s" }));
                break;

            case "path":
                yield return ("loopback", await RunAsync("path", "127.0.0.1", new { cycles = 2, interval = "10ms", maxHops = 2, replyTimeout = "500ms" }));
                break;

            default:
                Assert.Fail($"no runs for type {type}: add some here");
                break;
        }
    }

    /// <summary>Runs a check read from JSON, as a check file would give it.</summary>
    private async Task<ProbeResult> RunAsync(string type, string target, object? section = null, string timeout = "5s")
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "declared-measurements", ["type"] = type, ["target"] = target, ["interval"] = "1m", ["timeout"] = timeout, [type] = section,
        }.Where(m => m.Value is not null).ToDictionary());
        var document = CheckParser.Parse(json, "test.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("\n", document.Errors));
        return await _runner.RunAsync(document.Checks[0].Definition, TestContext.Current.CancellationToken);
    }
}
