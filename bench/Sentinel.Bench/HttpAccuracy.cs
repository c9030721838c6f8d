using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Http;
using Sentinel.Probes.Running;

namespace Sentinel.Bench;

/// <summary>
/// How truly the http probe times each phase, compared with curl -w against the same local HTTPS server (in its
/// own process) with a known server-side delay: the probe and curl alternate, pair by pair. curl runs two
/// transfers per process, each on a new connection (Connection: close) without TLS session reuse
/// (--no-sessionid); its second transfer is the comparison, so that OpenSSL's one-time start-up in its first
/// handshake is not counted; its first is reported as the cold figure. The probe is warmed the way
/// <c>sentinel probe</c> warms it; its very first run, before the warm-up, is its cold figure.
/// Target: every phase within max(1 ms, 10 %) of curl's median; processing within 2 ms of the injected delay.
/// </summary>
internal static class HttpAccuracy
{
    private static readonly string[] Names = ["resolve", "connect", "tls", "processing", "transfer", "total"];

    public static async Task<int> RunAsync(string[] args)
    {
        var pairs = int.Parse(AccuracyServer.Option(args, "--pairs") ?? "40", CultureInfo.InvariantCulture);
        var firstByteMs = int.Parse(AccuracyServer.Option(args, "--first-byte-ms") ?? "50", CultureInfo.InvariantCulture);
        var bodyMs = int.Parse(AccuracyServer.Option(args, "--body-ms") ?? "30", CultureInfo.InvariantCulture);
        using var server = await BenchProcess.StartAsync("serve");
        var rootFile = server.Detail!;
        var url = $"https://127.0.0.1:{server.Port}/delay?firstByteMs={firstByteMs}&bodyMs={bodyMs}&chunks=4&chunkBytes=4096";
        Console.WriteLine($"target {url}, {pairs} pairs, curl {CurlVersion()}");

        var check = Check(url, rootFile);
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
        var sentinelCold = Phases(await runner.RunAsync(check, CancellationToken.None));
        await runner.WarmUpAsync("http", CancellationToken.None);

        var sentinel = new List<double[]>();
        var curl = new List<double[]>();
        var curlCold = new List<double[]>();
        for (var i = 0; i < pairs; i++)
        {
            sentinel.Add(Phases(await runner.RunAsync(check, CancellationToken.None)));
            var (first, second) = await CurlAsync(url, rootFile);
            curlCold.Add(first);
            curl.Add(second);
        }

        return Report(sentinel, curl, curlCold, sentinelCold, firstByteMs);
    }

    private static int Report(List<double[]> sentinel, List<double[]> curl, List<double[]> curlCold, double[] sentinelCold, int firstByteMs)
    {
        Console.WriteLine();
        Console.WriteLine("phase        sentinel    curl (2nd)   diff      limit    ok    | sentinel cold  curl cold (1st)");
        var failed = 0;
        for (var p = 0; p < Names.Length; p++)
        {
            var s = Stats.Median(sentinel.Select(x => x[p]));
            var c = Stats.Median(curl.Select(x => x[p]));
            var limit = Math.Max(1.0, 0.1 * c);
            var ok = Math.Abs(s - c) <= limit;
            failed += ok ? 0 : 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Names[p],-12} {s,8:0.000} ms {c,8:0.000} ms {s - c,+8:+0.000;-0.000} ms {limit,6:0.0} ms  {(ok ? "yes" : "NO"),-4}  | {sentinelCold[p],9:0.000} ms {Stats.Median(curlCold.Select(x => x[p])),11:0.000} ms"));
        }

        var processing = Stats.Median(sentinel.Select(x => x[3]));
        var delayOk = Math.Abs(processing - firstByteMs) <= 2;
        failed += delayOk ? 0 : 1;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"processing vs injected delay: {processing:0.000} ms vs {firstByteMs} ms, {processing - firstByteMs:+0.000;-0.000} ms (limit 2 ms): {(delayOk ? "yes" : "NO")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"spread (sentinel p10-p90): {string.Join(", ", Enumerable.Range(0, Names.Length).Select(p => $"{Names[p]} {Stats.Percentile(sentinel.Select(x => x[p]), 0.1):0.00}-{Stats.Percentile(sentinel.Select(x => x[p]), 0.9):0.00}"))}"));
        Console.WriteLine(failed == 0 ? "verdict: every phase meets the target" : $"verdict: {failed} target(s) missed");
        return failed == 0 ? 0 : 1;
    }

    internal static CheckDefinition Check(string url, string rootFile)
    {
        var json = new JsonObject
        {
            ["id"] = "bench",
            ["type"] = "http",
            ["target"] = url,
            ["interval"] = "1m",
            ["timeout"] = "10s",
            ["http"] = new JsonObject { ["tls"] = new JsonObject { ["caFile"] = rootFile } },
        };
        var document = CheckParser.Parse(json.ToJsonString(), "bench", ProbeCatalog.Default.Checks);
        return document.IsValid ? document.Checks[0].Definition : throw new InvalidOperationException(string.Join("; ", document.Errors));
    }

    private static double[] Phases(ProbeResult result)
    {
        if (!result.Success)
        {
            throw new InvalidOperationException($"the probe failed: {result.Failure?.Category}: {result.Failure?.Message}");
        }

        double Ms(string name) => result.Phase(name)?.TotalMilliseconds ?? double.NaN;
        return
        [
            Ms(PhaseNames.Resolve), Ms(PhaseNames.Connect), Ms(PhaseNames.Tls), Ms(PhaseNames.Processing), Ms(PhaseNames.Transfer),
            result.Measurements[HttpMeasurements.Durations.Total].Number!.Value,
        ];
    }

    /// <summary>
    /// Runs curl with two transfers; returns each one's phases (ms) from its cumulative -w times. With
    /// <paramref name="cpu"/>, curl runs pinned to that CPU (taskset -c). With <paramref name="pace"/>, the second
    /// transfer starts that long after the first (curl's --rate, to the minute's whole transfers) rather than at once, so
    /// that the server has been idle as long as it was before another client's request.
    /// </summary>
    internal static async Task<(double[] First, double[] Second)> CurlAsync(string url, string rootFile, string? cpu = null, TimeSpan? pace = null)
    {
        const string Format = "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}\\n";
        string[] transfer = ["-sS", "--http1.1", "--no-sessionid", "--cacert", rootFile, "-H", "Connection: close", "-o", "/dev/null", "-w", Format, url];
        string[] rate = pace is { } every ? ["--rate", $"{Math.Max(1, (int)Math.Round(TimeSpan.FromMinutes(1) / every))}/m"] : [];
        var (exit, output, errors) = await Tool.RunAsync(["curl", .. rate, .. transfer, "--next", .. transfer], cpu);
        if (exit != 0)
        {
            throw new InvalidOperationException($"curl exited {exit}: {errors}");
        }

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return (FromCurl(lines[0]), FromCurl(lines[1]));
    }

    private static double[] FromCurl(string line)
    {
        var t = line.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture) * 1000).ToArray();
        var (lookup, connect, appconnect, start, total) = (t[0], t[1], t[2], t[3], t[4]);

        // Without TLS curl reports time_appconnect as 0: the tls phase is then empty, not negative.
        appconnect = appconnect == 0 ? connect : appconnect;
        return [lookup, connect - lookup, appconnect - connect, start - appconnect, total - start, total];
    }

    internal static string CurlVersion()
    {
        using var process = Process.Start(new ProcessStartInfo("curl", "--version") { RedirectStandardOutput = true })!;
        var first = process.StandardOutput.ReadLine() ?? "?";
        process.WaitForExit();
        return string.Join(' ', first.Split(' ').Take(2));
    }
}
