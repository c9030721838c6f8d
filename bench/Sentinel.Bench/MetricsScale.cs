using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;

namespace Sentinel.Bench;

/// <summary>
/// What <c>/metrics</c> costs for a large fleet: one real result of each check of <see cref="CheckFleet"/> (every
/// type, run once against loopback peers) is replicated over N checks with their own ids and targets, recorded in the
/// latest-result view, and the daemon's metrics composition (the same <c>AddSentinelMetrics</c> and endpoint) serves
/// them over loopback HTTP. It prints the managed heap retained by the metrics (after a full collection, with the
/// results themselves already counted before the metrics were built), the wall and CPU time to render the series plain
/// and into gzip, the time of a whole GET /metrics as curl (in its own process) measures it, and the response size.
/// Targets at 10,000 checks: under 30 MB retained and under 250 ms per scrape (judged on CPU time, which a busy
/// machine inflates far less than wall time).
/// </summary>
internal static class MetricsScale
{
    public static async Task<int> RunAsync(string[] args)
    {
        var checks = int.Parse(AccuracyServer.Option(args, "--checks") ?? "10000", CultureInfo.InvariantCulture);
        var scrapes = int.Parse(AccuracyServer.Option(args, "--scrapes") ?? "10", CultureInfo.InvariantCulture);
        var templates = await RunFleetOnceAsync();
        Console.WriteLine($"{templates.Count} template results ({string.Join(", ", templates.Select(t => t.Check.Type).Distinct())}), replicated over {checks} checks");

        var latest = new LatestResults();
        for (var i = 0; i < checks; i++)
        {
            var (check, result) = templates[i % templates.Count];
            var id = $"{check.Id}-{i}";
            var target = check.Target.Replace("127.0.0.1", $"host-{i}.fleet.test", StringComparison.Ordinal);
            latest.Record(check with { Id = id, Target = target, Name = $"{check.Name} {i}" }, result with { CheckId = id, Target = target, StartedAt = DateTimeOffset.UtcNow });
        }

        var before = Heap();
        await using var app = Compose(latest, checks);
        await app.StartAsync();
        var composed = Heap();
        var series = app.Services.GetRequiredService<CheckSeries>();

        // The render alone, as the endpoint does it: every check's series streamed to a sink, then the same into gzip
        // (Fastest), as Prometheus asks for it.
        var render = new List<double>();
        var compressed = new List<double>();
        long plainBytes = 0, gzipBytes = 0, lines = 0;
        var renderCpu = new List<double>();
        var compressedCpu = new List<double>();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < scrapes; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var plain = new CountingStream();
            await series.WriteToAsync(plain, CancellationToken.None);
            render.Add(clock.Elapsed.TotalMilliseconds);
            renderCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
            plainBytes = plain.Length;
            lines = plain.Lines;
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            clock.Restart();
            var counting = new CountingStream();
            await using (var gzip = new GZipStream(counting, CompressionLevel.Fastest, leaveOpen: true))
            {
                await series.WriteToAsync(gzip, CancellationToken.None);
            }

            compressed.Add(clock.Elapsed.TotalMilliseconds);
            compressedCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
            gzipBytes = counting.Length;
        }

        var allocatedPerRender = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (2 * scrapes);
        var rendered = Heap();

        // The whole GET /metrics as Prometheus does it (gzip), and plain, from curl in its own process.
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var gzipGets = new List<double>();
        var plainGets = new List<double>();
        for (var i = 0; i < scrapes; i++)
        {
            gzipGets.Add(await CurlAsync($"{address}/metrics", compressed: true));
            plainGets.Add(await CurlAsync($"{address}/metrics", compressed: false));
        }

        var after = Heap();
        Console.WriteLine($"checks                      {checks}");
        Console.WriteLine($"response                    {plainBytes / 1e6:0.0} MB plain, {gzipBytes / 1e6:0.00} MB gzip, {lines} lines ({lines / (double)checks:0.0} per check)");
        Console.WriteLine($"render (series → sink)      median {Stats.Median(render):0.0} ms wall, {Stats.Median(renderCpu):0.0} ms CPU; p90 {Stats.Percentile(render, 0.9):0.0} ms wall ({scrapes} renders)");
        Console.WriteLine($"render into gzip (Fastest)  median {Stats.Median(compressed):0.0} ms wall, {Stats.Median(compressedCpu):0.0} ms CPU; p90 {Stats.Percentile(compressed, 0.9):0.0} ms wall");
        Console.WriteLine("  (CPU: this process, all threads, the GC's included; unlike wall time, hardly inflated by other load on the machine)");
        Console.WriteLine($"GET /metrics, gzip (curl)   median {Stats.Median(gzipGets):0.0} ms, p90 {Stats.Percentile(gzipGets, 0.9):0.0} ms");
        Console.WriteLine($"GET /metrics, plain (curl)  median {Stats.Median(plainGets):0.0} ms, p90 {Stats.Percentile(plainGets, 0.9):0.0} ms");
        Console.WriteLine($"heap: results recorded      {before / 1e6:0.0} MB");
        Console.WriteLine($"heap: metrics composed      +{(composed - before) / 1e6:0.0} MB (host, instruments, reservations)");
        Console.WriteLine($"heap: after the renders     +{(rendered - before) / 1e6:0.0} MB");
        Console.WriteLine($"heap: after the GETs        +{(after - before) / 1e6:0.0} MB (the host's and the pools' buffers included)");
        Console.WriteLine($"allocated per render        {allocatedPerRender / 1e6:0.0} MB (garbage at once)");
        // One scrape's cost is the render into gzip; its CPU time is what a quiet machine's wall time would be.
        var met = (rendered - before) < 30e6 && Stats.Median(compressedCpu) < 250;
        Console.WriteLine(met ? "verdict: within the targets (< 30 MB, < 250 ms)" : "verdict: outside the targets (< 30 MB, < 250 ms)");
        await app.StopAsync();
        return met ? 0 : 1;
    }

    /// <summary>curl's own time_total for one GET, in milliseconds.</summary>
    private static async Task<double> CurlAsync(string url, bool compressed)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-s", "-o", "/dev/null", "-w", "%{time_total}", .. compressed ? ["--compressed"] : Array.Empty<string>(), url])
        {
            start.ArgumentList.Add(argument);
        }

        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();
        return double.Parse(output, CultureInfo.InvariantCulture) * 1000;
    }

    /// <summary>The daemon's metrics composition over <paramref name="latest"/>, on a free loopback port.</summary>
    private static WebApplication Compose(LatestResults latest, int checks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sentinel:Metrics:MaxChecks"] = checks.ToString(CultureInfo.InvariantCulture),
        }).Build();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(ProbeCatalog.Default);
        builder.Services.AddSingleton(latest);
        builder.Services.AddSingleton<CheckFileStatus>();
        builder.Services.AddSentinelMetrics(configuration);
        var app = builder.Build();
        app.Services.GetRequiredService<NodeMetrics>();
        app.MapSentinelMetrics();
        return app;
    }

    /// <summary>One real result of each check of the fleet.</summary>
    private static async Task<List<(CheckDefinition Check, ProbeResult Result)>> RunFleetOnceAsync()
    {
        await using var fleet = await CheckFleet.StartAsync();
        using var directory = new TempDirectory("sentinel-bench-metrics");
        var root = directory.Write("root.pem", fleet.RootPem);
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
        var results = new List<(CheckDefinition, ProbeResult)>();
        foreach (var (file, json) in fleet.Checks(root, TcpPorts.Closed()))
        {
            var document = CheckParser.Parse(json, file, ProbeCatalog.Default.Checks);
            var check = document.Checks.Count == 1 ? document.Checks[0].Definition : throw new InvalidOperationException($"{file}: {string.Join("; ", document.Errors)}");
            await runner.EnsureWarmAsync(check.Type, CancellationToken.None);
            results.Add((check, await runner.RunAsync(check, CancellationToken.None)));
        }

        return results;
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A sink that counts what is written to it.</summary>
    private sealed class CountingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Position;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        /// <summary>Lines written: the samples, with the families' HELP and TYPE lines.</summary>
        public long Lines { get; private set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Position += buffer.Length;
            Lines += buffer.Count((byte)'\n');
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }
}
