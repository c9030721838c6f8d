using System.Globalization;
using System.Text.Json;
using Sentinel.Testing;

namespace Sentinel.Bench;

/// <summary>
/// <c>sentinel probe path</c> and <c>mtr --report</c> side by side on the same routed lab (network namespaces,
/// 198.18.0.0/15, built and removed by <see cref="PathLab"/>): client → r1 → r2 → r3 → target, where r1 drops
/// half of the time-exceeded messages it generates (hop-only loss: ICMP rate limiting as an SRE meets it) and
/// r2 drops 20 % of what it forwards (real loss from hop 3 on). Both tools run at the same time with the same
/// cycles and interval; it prints both reports, then a table of each hop's address, loss and RTT from both
/// with the binomial range the lab's loss allows, and Sentinel's reading of the path. Needs root, ip and nft.
/// </summary>
internal static class PathVsMtr
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cycles = int.Parse(AccuracyServer.Option(args, "--cycles") ?? "100", CultureInfo.InvariantCulture);
        var sentinel = AccuracyServer.Option(args, "--sentinel") ?? DefaultSentinel();
        if (PathLab.SkipReason is { } reason)
        {
            Console.Error.WriteLine($"path-vs-mtr: cannot build the lab here: {reason}");
            return 2;
        }

        if (sentinel is null)
        {
            Console.Error.WriteLine("path-vs-mtr: no sentinel build found; run ./run.sh once, or pass --sentinel PATH (sentinel or sentinel.dll)");
            return 2;
        }

        using var lab = PathLab.Create(routers: 3);
        lab.DropTimeExceeded(router: 1, percent: 50);
        lab.DropForwarded(router: 2, percent: 20);
        var timeout = TimeSpan.FromMinutes(5);
        string[] sentinelCommand = sentinel.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", sentinel] : [sentinel];
        var ours = lab.RunInClientAsync(timeout, [.. sentinelCommand, "probe", "path", lab.TargetAddress, "--cycles", $"{cycles}", "--interval", "50ms", "--json"]);
        var theirs = lab.RunInClientAsync(timeout, "mtr", "-n", "--json", "-c", $"{cycles}", "-i", "0.05", lab.TargetAddress);
        var (_, oursJson, oursError) = await ours;
        var (mtrExit, mtrJson, mtrError) = await theirs;
        if (mtrExit != 0 || !oursJson.TrimStart().StartsWith('{'))
        {
            Console.Error.WriteLine($"path-vs-mtr: a tool failed: sentinel: {oursError}{oursJson} mtr: {mtrError}{mtrJson}");
            return 1;
        }

        Console.WriteLine($"lab: client -> r1 (drops 50 % of its time-exceeded) -> r2 (drops 20 % forwarded) -> r3 -> {lab.TargetAddress}; {cycles} cycles at 50 ms, both tools at once");
        Console.WriteLine();
        Console.WriteLine("hop  address (sentinel | mtr)          loss% sentinel | mtr   expected range    avg ms sentinel | mtr   best        worst       stdev");
        var ourHops = Hops(oursJson);
        var mtrHops = Mtr(mtrJson);
        string[] expected = [Range(cycles, 0.5), "0 lost", Range(cycles, 0.2), Range(cycles, 0.2)];
        for (var i = 0; i < Math.Max(ourHops.Count, mtrHops.Count); i++)
        {
            var o = i < ourHops.Count ? ourHops[i] : default;
            var m = i < mtrHops.Count ? mtrHops[i] : default;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{i + 1,2}.  {o.Address ?? "???",-15} | {m.Address ?? "???",-15}  {o.Loss,6:0.0} | {m.Loss,5:0.0}   {(i < expected.Length ? expected[i] : ""),-16}  {o.Avg,6:0.000} | {m.Avg,6:0.000}  {o.Best,5:0.000}|{m.Best,5:0.000}  {o.Worst,5:0.000}|{m.Worst,5:0.000}  {o.StDev,5:0.000}|{m.StDev,5:0.000}"));
        }

        Console.WriteLine();
        using (var result = JsonDocument.Parse(oursJson))
        {
            var root = result.RootElement;
            Console.WriteLine($"sentinel: {root.GetProperty("status").GetString()}; failure: {(root.GetProperty("failure").ValueKind == JsonValueKind.Null ? "none" : root.GetProperty("failure").GetProperty("category").GetString() + ": " + root.GetProperty("failure").GetProperty("message").GetString())}");
            foreach (var finding in root.GetProperty("findings").EnumerateArray())
            {
                Console.WriteLine($"  finding {finding.GetProperty("id").GetString()}: {finding.GetProperty("message").GetString()}");
            }
        }

        var same = ourHops.Select(h => h.Address).SequenceEqual(mtrHops.Select(h => h.Address));
        Console.WriteLine($"hop addresses identical: {(same ? "yes" : "NO")}");
        return same ? 0 : 1;
    }

    private readonly record struct Hop(string? Address, double Loss, double Avg, double Best, double Worst, double StDev);

    private static List<Hop> Hops(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("details").GetProperty("hops").EnumerateArray().Select(h => new Hop(
            h.GetProperty("address").GetString(),
            h.GetProperty("lossRatio").GetDouble() * 100,
            Number(h, "avgMs"), Number(h, "bestMs"), Number(h, "worstMs"), Number(h, "stdDevMs"))).ToList();
    }

    private static List<Hop> Mtr(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("report").GetProperty("hubs").EnumerateArray().Select(h => new Hop(
            h.GetProperty("host").GetString() is "???" ? null : h.GetProperty("host").GetString(),
            h.GetProperty("Loss%").GetDouble(),
            h.GetProperty("Avg").GetDouble(), h.GetProperty("Best").GetDouble(), h.GetProperty("Wrst").GetDouble(), h.GetProperty("StDev").GetDouble())).ToList();
    }

    private static double Number(JsonElement hop, string name) =>
        hop.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.NaN;

    /// <summary>The central range of lost probes (as a percentage of <paramref name="n"/>) that a loss of <paramref name="p"/> gives with probability at least 99.9 %.</summary>
    private static string Range(int n, double p)
    {
        double Probability(int k) => Math.Exp(LogChoose(n, k) + (k * Math.Log(p)) + ((n - k) * Math.Log(1 - p)));
        var (low, high) = ((int)Math.Round(n * p), (int)Math.Round(n * p));
        var mass = Probability(low);
        while (mass < 0.999)
        {
            var below = low > 0 ? Probability(low - 1) : 0;
            var above = high < n ? Probability(high + 1) : 0;
            if (below >= above)
            {
                low--;
                mass += below;
            }
            else
            {
                high++;
                mass += above;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{100.0 * low / n:0}-{100.0 * high / n:0} %");
    }

    private static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n) => Enumerable.Range(2, Math.Max(0, n - 1)).Sum(i => Math.Log(i));

    private static readonly string[] Builds = [".sentinel/bin/sentinel", "src/Sentinel.Worker/bin/Release/net10.0/sentinel.dll"];

    private static string? DefaultSentinel() =>
        Builds.Select(Path.GetFullPath).FirstOrDefault(File.Exists);
}
