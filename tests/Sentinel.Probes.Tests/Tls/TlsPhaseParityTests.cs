using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Text;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// An https check and a tls check of the same server time the same handshake: both run it through one helper, so
/// their <c>tls</c> phases agree. Medians of interleaved runs, after both probe types are warm, so that a busy
/// machine slows both alike and JIT is in neither; and a clock that moves only when read, for drifts below what
/// real time resolves.
/// </summary>
[Collection(nameof(SerialTiming))]
public sealed class TlsPhaseParityTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const int Runs = 30;

    private const int Attempts = 3;

    private const int Rounds = 5;

    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    [Fact]
    public async Task RunAsync_SameServer_HttpAndTlsChecksTimeTheTlsPhaseAlike()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = Serve();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
        await runner.WarmUpAsync("http", ct);
        await runner.WarmUpAsync("tls", ct);
        var (https, tls) = Checks(server);

        // A few runs against this server first: its own first connections are not the comparison either.
        for (var i = 0; i < 3; i++)
        {
            await TlsPhaseAsync(runner, https, ct);
            await TlsPhaseAsync(runner, tls, ct);
        }

        // A drift is systematic: it shows in every round. A burst of load on a busy machine can shift one median of
        // 30 past the limit, but rarely several rounds in a row: so a round that disagrees is followed by another,
        // with fresh runs, up to five, and the first round that agrees ends the test.
        var rounds = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var viaHttp = new List<double>();
            var viaTls = new List<double>();
            for (var i = 0; i < Runs; i++)
            {
                // Each sample is the fastest of three handshakes, the three of each check interleaved with the other's
                // (which goes first alternates): a run the scheduler preempted on a loaded machine is not the
                // handshake, and a drift adds to all three alike.
                var (fastestHttp, fastestTls) = (double.MaxValue, double.MaxValue);
                for (var attempt = 0; attempt < Attempts; attempt++)
                {
                    if ((i + attempt) % 2 == 0)
                    {
                        fastestHttp = Math.Min(fastestHttp, await TlsPhaseAsync(runner, https, ct));
                        fastestTls = Math.Min(fastestTls, await TlsPhaseAsync(runner, tls, ct));
                    }
                    else
                    {
                        fastestTls = Math.Min(fastestTls, await TlsPhaseAsync(runner, tls, ct));
                        fastestHttp = Math.Min(fastestHttp, await TlsPhaseAsync(runner, https, ct));
                    }
                }

                viaHttp.Add(fastestHttp);
                viaTls.Add(fastestTls);
            }

            var (http, direct) = (Median(viaHttp), Median(viaTls));
            var limit = Math.Max(0.5, 0.1 * Math.Min(http, direct));
            rounds.Add(string.Create(CultureInfo.InvariantCulture,
                $"tls phase medians of {Runs} samples (each the fastest of {Attempts} runs): http {http:0.000} ms, tls {direct:0.000} ms, difference {http - direct:+0.000;-0.000} ms, limit {limit:0.000} ms"));
            TestContext.Current.TestOutputHelper?.WriteLine(rounds[^1]);
            if (Math.Abs(http - direct) <= limit)
            {
                return;
            }
        }

        Assert.Fail($"the https and tls checks timed the same handshake differently in every round:\n{string.Join("\n", rounds)}");
    }

    [Fact]
    public async Task RunAsync_ClockThatMovesOnlyWhenRead_HttpAndTlsChecksTimeTheSameHandshakeRegion()
    {
        // Such a clock gives a phase as the number of readings inside it, whatever the machine's load: the paths
        // agree exactly only when both time the same region and take the same bookkeeping out of it. The real-time
        // comparison above cannot see a drift as small as the bookkeeping itself (about 0.4 ms).
        var ct = TestContext.Current.CancellationToken;
        await using var server = Serve();
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext { Time = new ClockMovingWhenRead() });
        var (https, tls) = Checks(server);

        var viaHttp = await TlsPhaseAsync(runner, https, ct);
        var viaTls = await TlsPhaseAsync(runner, tls, ct);

        Assert.True(viaHttp > 0, $"http tls phase {viaHttp} ms");
        Assert.Equal(viaHttp, viaTls);
    }

    private TlsServer Serve()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
        return TlsServer.Start(chain, new TlsServerOptions { Protocols = SslProtocols.Tls13, Response = Response });
    }

    private (CheckDefinition Https, CheckDefinition Tls) Checks(TlsServer server) =>
    (
        Check($$"""{ "id": "parity-http", "type": "http", "target": "https://{{server.Target}}/", "timeout": "5s", "interval": "1m", "http": { "tls": { "caFile": "{{pki.RootFile}}" } } }"""),
        Check($$"""{ "id": "parity-tls", "type": "tls", "target": "{{server.Target}}", "timeout": "5s", "interval": "1m", "tls": { "caFile": "{{pki.RootFile}}" } }""")
    );

    private static CheckDefinition Check(string json)
    {
        var document = CheckParser.Parse(json, "parity.json", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document.Checks[0].Definition;
    }

    private static async Task<double> TlsPhaseAsync(ProbeRunner runner, CheckDefinition check, CancellationToken ct)
    {
        var result = await runner.RunAsync(check, ct);
        Assert.True(result.Status == ProbeStatus.Up, $"{check.Type}: {result.Failure?.Category}: {result.Failure?.Message}");
        Assert.Equal("TLS 1.3", result.Measurements["tls.version"].Text);
        return result.Phase("tls")!.Value.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>A clock that advances one millisecond each time it is read, and only then.</summary>
internal sealed class ClockMovingWhenRead : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond);
}

/// <summary>Timing comparisons run alone within the assembly: tests in parallel beside them only add noise.</summary>
[CollectionDefinition(nameof(SerialTiming), DisableParallelization = true)]
public sealed class SerialTiming;
