using System.Globalization;
using System.Net;
using System.Text;
using Sentinel.Probes;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tls;
using Sentinel.Probes.Running;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Testing;

namespace Sentinel.Bench;

/// <summary>
/// Whether an https check and a tls check time one server's TLS handshake alike: both run against the same server
/// (an in-process SslStream server, then openssl s_server, each serving one leaf ← intermediate ← root chain), in
/// alternating order, pair by pair, after both probe types were warmed as <c>sentinel probe</c> warms them. curl's
/// <c>time_appconnect - time_connect</c> for the same URL is the outside reference (its second transfer, so that
/// OpenSSL's one-time start-up is not counted); openssl s_client prints no handshake time precise enough.
/// Target: the two probes' medians within max(0.5 ms, 10 %) of each other.
/// </summary>
internal static class TlsParity
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");

    public static async Task<int> RunAsync(string[] args)
    {
        var pairs = int.Parse(AccuracyServer.Option(args, "--pairs") ?? "200", CultureInfo.InvariantCulture);
        var directory = Directory.CreateTempSubdirectory("sentinel-bench-tls-");
        try
        {
            using var ca = TestCertificateAuthority.Create("Sentinel Bench");
            var chain = ca.Issue(new CertificateSpec { CommonName = "localhost", DnsNames = ["localhost"], IpAddresses = [IPAddress.Loopback] });
            var rootFile = Path.Combine(directory.FullName, "root.pem");
            await File.WriteAllTextAsync(rootFile, ca.RootPem);
            Console.WriteLine($"{pairs} pairs per server, chain leaf ← intermediate ← root, {HttpAccuracy.CurlVersion()}");

            var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
            await runner.WarmUpAsync("http", CancellationToken.None);
            await runner.WarmUpAsync("tls", CancellationToken.None);

            var failed = 0;
            await using (var server = TlsServer.Start(chain, new TlsServerOptions { Response = Response }))
            {
                failed += await CompareAsync("in-process SslStream server", server.EndPoint, rootFile, pairs, runner);
            }

            // Each pair costs s_server four connections (the two checks, curl's two transfers).
            await using (var server = await OpenSslServer.StartAsync(chain, directory.FullName, sendIntermediates: true, "-www", "-naccept", (4 * (pairs + 10)).ToString(CultureInfo.InvariantCulture)))
            {
                failed += await CompareAsync("openssl s_server -www", server.EndPoint, rootFile, pairs, runner);
            }

            Console.WriteLine(failed == 0 ? "verdict: both probes time the handshake alike on every server" : $"verdict: {failed} server(s) timed differently");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<int> CompareAsync(string name, IPEndPoint server, string rootFile, int pairs, ProbeRunner runner)
    {
        var url = $"https://127.0.0.1:{server.Port}/";
        var https = HttpAccuracy.Check(url, rootFile);

        // The tls check of the same address, with the very TLS settings (trust) of the https check.
        var tls = https with
        {
            Id = "bench-tls",
            Type = "tls",
            Target = $"127.0.0.1:{server.Port}",
            Section = new TlsSection { Settings = ((HttpSection)https.Section!).Tls },
        };
        var version = "";

        // The server's own first connections are not the comparison either.
        for (var i = 0; i < 5; i++)
        {
            version = TlsPhase(await runner.RunAsync(https, CancellationToken.None), out _);
            TlsPhase(await runner.RunAsync(tls, CancellationToken.None), out _);
        }

        var viaHttp = new List<double>();
        var viaTls = new List<double>();
        var curl = new List<double>();
        for (var i = 0; i < pairs; i++)
        {
            // Alternating which goes first, so that neither always follows the other's connection teardown.
            var first = i % 2 == 0 ? https : tls;
            var second = i % 2 == 0 ? tls : https;
            TlsPhase(await runner.RunAsync(first, CancellationToken.None), out var a);
            TlsPhase(await runner.RunAsync(second, CancellationToken.None), out var b);
            viaHttp.Add(i % 2 == 0 ? a : b);
            viaTls.Add(i % 2 == 0 ? b : a);

            // appconnect - connect of curl's second transfer (new connection, no session reuse).
            curl.Add((await HttpAccuracy.CurlAsync(url, rootFile)).Second[2]);
        }

        return Report($"{name} ({version}), {url}", viaHttp, viaTls, curl);
    }

    private static int Report(string title, List<double> viaHttp, List<double> viaTls, List<double> curl)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine("tls phase      http check    tls check     curl appconnect-connect");
        foreach (var (row, q) in new[] { ("median", 0.5), ("p10", 0.1), ("p90", 0.9) })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row,-12} {Stats.Percentile(viaHttp, q),8:0.000} ms {Stats.Percentile(viaTls, q),8:0.000} ms {Stats.Percentile(curl, q),8:0.000} ms"));
        }

        var (http, direct) = (Stats.Median(viaHttp), Stats.Median(viaTls));
        var limit = Math.Max(0.5, 0.1 * Math.Min(http, direct));
        var ok = Math.Abs(http - direct) <= limit;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"http - tls     {http - direct,+8:+0.000;-0.000} ms   limit {limit:0.000} ms   {(ok ? "ok" : "NOT OK")}   (tls - curl {direct - Stats.Median(curl):+0.000;-0.000} ms, for reference)"));
        return ok ? 0 : 1;
    }

    /// <summary>The result's tls phase (ms), and its TLS version; throws when the check failed.</summary>
    private static string TlsPhase(ProbeResult result, out double milliseconds)
    {
        if (!result.Success || result.Phase(PhaseNames.Tls) is not { } phase)
        {
            throw new InvalidOperationException($"the {result.Type} check failed: {result.Failure?.Category}: {result.Failure?.Message}");
        }

        milliseconds = phase.TotalMilliseconds;
        return result.Measurements[TlsMeasurements.Version].Text ?? "?";
    }
}
