using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Running;

namespace Sentinel.Bench;

/// <summary>
/// How truly the dns probe times a lookup, compared with kdig and dig against the same authoritative server
/// (in its own process, or one given with --server): the probe, kdig, dig and a bare socket exchange alternate,
/// round by round. kdig reports its query time to 0.1 ms and dig to 1 ms, both from the query sent to the
/// answer received; the bare exchange (one UDP datagram out, one in, timed in this process around the two
/// system calls) is the floor that any client pays. The probe is warmed the way <c>sentinel probe</c> warms
/// it; its very first run, before the warm-up, is its cold figure.
/// Target: the probe's median within max(1 ms, 10 %) of kdig's.
/// </summary>
internal static partial class DnsAccuracy
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = int.Parse(AccuracyServer.Option(args, "--pairs") ?? "40", CultureInfo.InvariantCulture);
        var name = AccuracyServer.Option(args, "--name") ?? "www.bench.test";
        using var child = AccuracyServer.Option(args, "--server") is null ? await BenchProcess.StartAsync("serve-dns") : null;
        var server = AccuracyServer.Option(args, "--server") ?? $"127.0.0.1:{child!.Port}";
        var endPoint = IPEndPoint.Parse(server);
        var kdig = Which("kdig");
        var dig = Which("dig");
        Console.WriteLine($"target {name} A at {server} over UDP, {rounds} rounds; kdig {(kdig is null ? "not installed (apt-get install knot-dnsutils)" : "yes")}, dig {(dig is null ? "not installed (apt-get install bind9-dnsutils)" : "yes")}");

        var check = Check(name, server);
        var runner = new ProbeRunner(ProbeCatalog.Default, new ProbeContext());
        var cold = Lookup(await runner.RunAsync(check, CancellationToken.None));
        await runner.WarmUpAsync("dns", CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await BareAsync(endPoint, name);
        }

        List<double> sentinel = [], bare = [], kdigs = [], digs = [];
        for (var i = 0; i < rounds; i++)
        {
            // Which of the two in-process clients goes first alternates, so that neither always follows the
            // other tools' process start-ups (cold caches, a migrated thread).
            if (i % 2 == 0)
            {
                sentinel.Add(Lookup(await runner.RunAsync(check, CancellationToken.None)));
                bare.Add(await BareAsync(endPoint, name));
            }
            else
            {
                bare.Add(await BareAsync(endPoint, name));
                sentinel.Add(Lookup(await runner.RunAsync(check, CancellationToken.None)));
            }

            if (kdig is not null)
            {
                kdigs.Add(await QueryTimeAsync(kdig, KdigTime(), endPoint, name));
            }

            if (dig is not null)
            {
                digs.Add(await QueryTimeAsync(dig, DigTime(), endPoint, name));
            }
        }

        return Report(sentinel, bare, kdigs, digs, cold);
    }

    private static int Report(List<double> sentinel, List<double> bare, List<double> kdig, List<double> dig, double cold)
    {
        Console.WriteLine();
        Console.WriteLine("client            median     p10-p90          diff vs kdig");
        Line("sentinel", sentinel, kdig);
        Line("kdig (0.1 ms)", kdig, kdig);
        Line("dig (1 ms)", dig, kdig);
        Line("bare socket", bare, kdig);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sentinel cold (first run, before its warm-up): {cold:0.000} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sentinel's own overhead over the bare exchange: {Stats.Percentile(sentinel, 0.5) - Stats.Percentile(bare, 0.5):+0.000;-0.000} ms (median)"));
        if (kdig.Count == 0)
        {
            Console.WriteLine("verdict: no kdig to compare with");
            return 1;
        }

        var limit = Math.Max(1.0, 0.1 * Stats.Percentile(kdig, 0.5));
        var ok = Math.Abs(Stats.Percentile(sentinel, 0.5) - Stats.Percentile(kdig, 0.5)) <= limit;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verdict: {(ok ? "the lookup time meets the target" : "target missed")} (within {limit:0.0} ms of kdig's median)"));
        return ok ? 0 : 1;
    }

    private static void Line(string label, List<double> values, List<double> reference)
    {
        if (values.Count == 0)
        {
            return;
        }

        var diff = reference.Count == 0 ? double.NaN : Stats.Percentile(values, 0.5) - Stats.Percentile(reference, 0.5);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-15} {Stats.Percentile(values, 0.5),8:0.000} ms  {Stats.Percentile(values, 0.1),6:0.000}-{Stats.Percentile(values, 0.9),-7:0.000}  {diff,+9:+0.000;-0.000} ms"));
    }

    private static CheckDefinition Check(string name, string server)
    {
        var json = new JsonObject
        {
            ["id"] = "bench",
            ["type"] = "dns",
            ["target"] = name,
            ["interval"] = "1m",
            ["timeout"] = "5s",
            ["dns"] = new JsonObject { ["servers"] = new JsonArray(server) },
        };
        var document = CheckParser.Parse(json.ToJsonString(), "bench", ProbeCatalog.Default.Checks);
        return document.IsValid ? document.Checks[0].Definition : throw new InvalidOperationException(string.Join("; ", document.Errors));
    }

    private static double Lookup(ProbeResult result) => result.Success
        ? result.Phase(PhaseNames.Lookup)!.Value.TotalMilliseconds
        : throw new InvalidOperationException($"the probe failed: {result.Failure?.Category}: {result.Failure?.Message}");

    /// <summary>One query in one datagram and its answer, timed around the send and the receive alone.</summary>
    private static async Task<double> BareAsync(IPEndPoint server, string name)
    {
        var query = new List<byte> { 0x5e, 0x47, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(label.Select(c => (byte)c));
        }

        query.AddRange([0, 0, 1, 0, 1]);
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        var buffer = new byte[4096];
        var start = Stopwatch.GetTimestamp();
        await socket.SendAsync(query.ToArray(), SocketFlags.None);
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(5));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return received >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == 0x5e47 ? elapsed : throw new InvalidOperationException("the bare exchange got no answer");
    }

    private static async Task<double> QueryTimeAsync(string program, Regex time, IPEndPoint server, string name)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { $"@{server.Address}", "-p", server.Port.ToString(CultureInfo.InvariantCulture), name, "A" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = time.Match(output);
        return match.Success
            ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"{program} printed no query time: {output}");
    }

    /// <summary>kdig: ";; From 127.0.0.1@53(UDP) in 0.3 ms".</summary>
    [GeneratedRegex(@"\) in ([0-9.]+) ms")]
    private static partial Regex KdigTime();

    /// <summary>dig: ";; Query time: 0 msec".</summary>
    [GeneratedRegex(@"Query time: ([0-9]+) msec")]
    private static partial Regex DigTime();

    private static readonly string[] Bins = ["/usr/bin", "/usr/local/bin", "/bin"];

    private static string? Which(string program) =>
        Bins.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
}
