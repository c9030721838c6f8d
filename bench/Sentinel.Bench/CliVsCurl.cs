using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sentinel.Bench;

/// <summary>
/// The one-shot <c>sentinel probe</c>, run as a user runs it (a new process each time, the ReadyToRun build that
/// run.sh publishes), against curl -w on the same local targets: <c>probe tcp localhost:PORT</c> against curl's
/// resolve and connect on <c>http://localhost:PORT/</c>, then <c>probe http</c> on that URL and on
/// <c>https://localhost:PORT/</c> (a test CA's chain, its root passed to both) against curl -w. Sentinel and curl
/// alternate run by run; curl's reference is its second transfer on a new connection (see
/// <see cref="HttpAccuracy.CurlAsync"/>), started as long after its first as the sentinel process just took, so that
/// the server has been idle as long before either request: a server idle for 0.7 s answers a TLS handshake about
/// 0.8–1 ms later than one that has just served another (a single-threaded OpenSSL client measured it, kept busy
/// meanwhile). curl's second transfer at once and its first are shown beside it. The servers run in their own
/// processes. Target: every phase's median within max(1 ms, 10 %) of curl's.
/// </summary>
internal static class CliVsCurl
{
    private static readonly string[] CurlPhases = ["resolve", "connect", "tls", "processing", "transfer", "total"];

    private sealed record Target(string Name, string[] Probe, string Url, string[] Phases);

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = int.Parse(AccuracyServer.Option(args, "--runs") ?? "30", CultureInfo.InvariantCulture);
        var cpu = AccuracyServer.Option(args, "--cpu");
        var published = AccuracyServer.Option(args, "--sentinel") is null ? Directory.CreateTempSubdirectory("sentinel-cli-bench-") : null;
        try
        {
            var sentinel = AccuracyServer.Option(args, "--sentinel") ?? await PublishAsync(published!.FullName);
            string[] command = sentinel.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", sentinel] : [sentinel];
            using var http = await BenchProcess.StartAsync("serve", "--plain");
            using var https = await BenchProcess.StartAsync("serve");
            var root = https.Detail!;
            var plainUrl = $"http://localhost:{http.Port}/";
            var secureUrl = $"https://localhost:{https.Port}/";
            Target[] targets =
            [
                new($"tcp localhost:{http.Port}", [.. command, "probe", "tcp", $"localhost:{http.Port}", "--json"], plainUrl, ["resolve", "connect"]),
                new($"http {plainUrl}", [.. command, "probe", "http", plainUrl, "--json"], plainUrl, ["resolve", "connect", "processing", "transfer", "total"]),
                new($"http {secureUrl}", [.. command, "probe", "http", secureUrl, "--cacert", root, "--json"], secureUrl, CurlPhases),
            ];
            Console.WriteLine($"sentinel {sentinel}; {runs} runs of each, alternating with {HttpAccuracy.CurlVersion()}{(cpu is null ? "" : $"; both pinned to CPU {cpu} (taskset -c {cpu})")}");

            var missed = 0;
            foreach (var target in targets)
            {
                missed += await CompareAsync(target, root, runs, cpu);
            }

            Console.WriteLine(missed == 0 ? "verdict: every phase of every target is within its limit" : $"verdict: {missed} phase(s) NOT within the limit");
            return missed == 0 ? 0 : 1;
        }
        finally
        {
            published?.Delete(recursive: true);
        }
    }

    private static async Task<int> CompareAsync(Target target, string root, int runs, string? cpu)
    {
        List<Dictionary<string, double>> sentinel = [];
        List<double[]> curl = [], curlAtOnce = [], curlFirst = [];
        List<double> walls = [];
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var (exit, output, errors) = await Tool.RunAsync(target.Probe, cpu);
            var wall = Stopwatch.GetElapsedTime(started);
            walls.Add(wall.TotalMilliseconds);
            sentinel.Add(exit == 0 ? Phases(output) : throw new InvalidOperationException($"sentinel exited {exit}: {output}{errors}"));

            // The server was idle for about the sentinel process's wall time before its request (the process starts and
            // warms up first), and a server answers more slowly after an idle spell than right after another request:
            // so curl's second transfer, the reference, waits as long after its first. Shown beside it, the second
            // transfer at once, as curl makes it by default.
            var (first, second) = await HttpAccuracy.CurlAsync(target.Url, root, cpu, pace: wall);
            curlFirst.Add(first);
            curl.Add(second);
            curlAtOnce.Add((await HttpAccuracy.CurlAsync(target.Url, root, cpu)).Second);
        }

        Console.WriteLine();
        Console.WriteLine($"{target.Name}: medians of {runs} runs; sentinel's process took {Stats.Median(walls):0} ms (median wall time, start to exit)");
        Console.WriteLine("phase        sentinel    curl (2nd)   diff        limit     ok      | curl (2nd at once)  curl (1st)");
        var missed = 0;
        foreach (var phase in target.Phases)
        {
            var p = Array.IndexOf(CurlPhases, phase);
            var s = Stats.Median(sentinel.Select(x => x[phase]));
            var c = Stats.Median(curl.Select(x => x[p]));
            var limit = Math.Max(1.0, 0.1 * c);
            var ok = Math.Abs(s - c) <= limit;
            missed += ok ? 0 : 1;
            var atOnce = Stats.Median(curlAtOnce.Select(x => x[p]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{phase,-12} {s,8:0.000} ms {c,8:0.000} ms {s - c,+8:+0.000;-0.000} ms {limit,6:0.0} ms  {(ok ? "ok" : "NOT OK"),-6}  | {atOnce,8:0.000} ms ({s - atOnce,+6:+0.000;-0.000})  {Stats.Median(curlFirst.Select(x => x[p])),8:0.000} ms"));
        }

        return missed;
    }

    /// <summary>The phases of one <c>sentinel probe --json</c> result (ms), with its total as <c>total</c>.</summary>
    private static Dictionary<string, double> Phases(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = document.RootElement;
        var phases = result.GetProperty("phasesMs").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        var type = result.GetProperty("type").GetString();
        phases["total"] = result.GetProperty("measurements").GetProperty($"{type}.duration.total_ms").GetDouble();
        return phases;
    }

    /// <summary>Publishes sentinel as run.sh does (ReadyToRun) into <paramref name="directory"/>; returns the executable.</summary>
    private static async Task<string> PublishAsync(string directory)
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !File.Exists(Path.Combine(repository.FullName, "Sentinel.sln")))
        {
            repository = repository.Parent;
        }

        var project = Path.Combine(repository?.FullName ?? throw new InvalidOperationException("Sentinel.sln not found above the bench; pass --sentinel PATH"), "src", "Sentinel.Worker");
        Console.WriteLine($"publishing {project} (ReadyToRun) to {directory} ...");
        var (exit, output, errors) = await Tool.RunAsync(
            ["dotnet", "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", directory, "-v", "quiet", "-nologo"]);
        return exit == 0 ? Path.Combine(directory, "sentinel") : throw new InvalidOperationException($"dotnet publish exited {exit}: {output}{errors}");
    }
}
