using System.Diagnostics;
using System.Globalization;
using System.Net;
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
/// results themselves already counted before the metrics were built), the bytes allocated per scrape, the scrape time
/// (median and p90 of several, plain and gzip) and the response size. Targets at 10,000 checks: under 30 MB retained
/// and under 250 ms per scrape.
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
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var plain = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        using var gzip = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.GZip }) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };

        var first = await ScrapeAsync(plain);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var plainTimes = new List<double>();
        long bytes = 0;
        for (var i = 0; i < scrapes; i++)
        {
            var (ms, length) = await ScrapeAsync(plain);
            plainTimes.Add(ms);
            bytes = length;
        }

        var allocatedPerScrape = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / scrapes;
        var gzipTimes = new List<double>();
        long wire = 0;
        for (var i = 0; i < scrapes; i++)
        {
            var (ms, _) = await ScrapeAsync(gzip);
            gzipTimes.Add(ms);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/metrics"))
        {
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            using var response = await plain.SendAsync(request);
            wire = (await response.Content.ReadAsByteArrayAsync()).Length;
        }

        var after = Heap();
        Console.WriteLine($"checks                      {checks}");
        Console.WriteLine($"response                    {bytes / 1e6:0.0} MB plain, {wire / 1e6:0.00} MB gzip, {CountLines(await plain.GetStringAsync("/metrics"))} sample lines");
        Console.WriteLine($"first scrape                {first.Ms:0.0} ms");
        Console.WriteLine($"scrape, plain               median {Stats.Median(plainTimes):0.0} ms, p90 {Stats.Percentile(plainTimes, 0.9):0.0} ms ({scrapes} scrapes)");
        Console.WriteLine($"scrape, gzip                median {Stats.Median(gzipTimes):0.0} ms, p90 {Stats.Percentile(gzipTimes, 0.9):0.0} ms");
        Console.WriteLine($"heap: results recorded      {before / 1e6:0.0} MB");
        Console.WriteLine($"heap: metrics composed      +{(composed - before) / 1e6:0.0} MB (host, instruments, reservations)");
        Console.WriteLine($"heap: after the scrapes     +{(after - before) / 1e6:0.0} MB retained by the metrics and the host");
        Console.WriteLine($"allocated per scrape        {allocatedPerScrape / 1e6:0.0} MB");
        var met = (after - before) < 30e6 && Stats.Median(gzipTimes) < 250 && Stats.Median(plainTimes) < 250;
        Console.WriteLine(met ? "verdict: within the targets (< 30 MB, < 250 ms)" : "verdict: outside the targets (< 30 MB, < 250 ms)");
        await app.StopAsync();
        return met ? 0 : 1;
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
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new ResultOptions()));
        builder.Services.AddSingleton<ResultPipeline>();
        builder.Services.AddSentinelMetrics(configuration, "bench", ProbeCatalog.Default);
        var app = builder.Build();
        app.Services.GetRequiredService<CheckMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics");
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

    private static async Task<(double Ms, long Bytes)> ScrapeAsync(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        var body = await client.GetByteArrayAsync("/metrics");
        return (clock.Elapsed.TotalMilliseconds, body.Length);
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static int CountLines(string text) => text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
}
