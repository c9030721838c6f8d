using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Testing;
using Sentinel.Worker.Results;
using Sentinel.Worker.Storage;

namespace Sentinel.Bench;

/// <summary>
/// How fast results reach PostgreSQL, with the daemon's own code on an embedded cluster that syncs to disk as the
/// daemon's does: the batch writer, one batch after the other as the drain loop writes them (target: at least 50,000
/// results/s sustained); the spill file, appended in batches with a sync each; and the replay of that spill file into
/// PostgreSQL after an "outage"; then batches stored already written again, the path of a retry or replay that finds its
/// rows there. The results are an https check's (five phases, a dozen measurements, a certificate
/// chain in the details, probe samples), one in ten failing, over many checks; or, with <c>--kind tcp</c>, a tcp check's
/// to a closed port. Each figure comes with the CPU time per result of Sentinel and of PostgreSQL, which says what the
/// rate would be without the other work of a busy machine.
/// </summary>
internal static class ResultWrites
{
    public static async Task<int> RunAsync(string[] args)
    {
        var results = Number(args, "--results", 300_000);
        var replayed = Number(args, "--replay", 100_000);
        var batchSize = Number(args, "--batch", 1_000);
        var checks = Number(args, "--checks", 1_000);
        var durable = !args.Contains("--no-fsync");
        var tcp = AccuracyServer.Option(args, "--kind") == "tcp";
        // Searchable by the postgres user that runs the cluster when the bench runs as root.
        using var directory = new TempDirectory("sentinel-bench-results");
        {
            await using var cluster = await EmbeddedPostgres.StartAsync(
                new EmbeddedPostgresOptions { DataDirectory = Path.Combine(directory.Path, "pg"), Durable = durable }, NullLogger.Instance, CancellationToken.None);
            await using var database = new DatabaseConnection(new DatabaseOptions { ConnectionString = cluster.ConnectionString }, new EmbeddedPostgresOptions(), DatabaseUse.Command);
            await new Migrations(database, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);

            var rows = tcp ? TcpRows(results + replayed, checks) : Rows(results + replayed, checks);
            var bytes = rows.Take(1_000).Average(r => JsonSerializer.SerializeToUtf8Bytes(r, ResultRowJson.Default.ResultRow).Length + 1);
            Console.WriteLine($"{(tcp ? "tcp" : "https")} results: {results:N0} results written, then {replayed:N0} spilled and replayed; batches of {batchSize:N0}; {checks:N0} checks; " +
                $"fsync {(durable ? "on (as the daemon's cluster)" : "off")}; {Environment.ProcessorCount} cores, load {Load()}; {bytes:N0} bytes per result as a spill line");

            using var meter = new Meter("bench");
            var buffer = new ResultBuffer(Options.Create(new ResultOptions()));
            using var spill = new ResultSpill(Path.Combine(directory.Path, "spill"), 1L << 40, NullLogger.Instance);
            spill.Open();
            var state = new ResultStorageState(TimeProvider.System);
            var ready = new DatabaseState();
            ready.MarkReady();
            var metrics = new ResultStorageMetrics(meter, buffer, spill, state, ready);
            await using var writer = new ResultBatchWriter(database.DataSource, metrics, TimeProvider.System, TimeSpan.FromMinutes(5), NullLogger.Instance);

            // Direct writes, as the drain loop makes them. The first batches warm the connection, the JIT and the partitions.
            var direct = rows.Take(results).Chunk(batchSize).ToList();
            foreach (var batch in direct.Take(5))
            {
                await writer.WriteAsync(batch, CancellationToken.None);
            }

            var latencies = new List<double>();
            var cpu = CpuTime.Start(cluster.DataDirectory);
            var clock = Stopwatch.StartNew();
            foreach (var batch in direct.Skip(5))
            {
                var started = clock.Elapsed;
                await writer.WriteAsync(batch, CancellationToken.None);
                latencies.Add((clock.Elapsed - started).TotalMilliseconds);
            }

            var written = direct.Skip(5).Sum(b => b.Length);
            Console.WriteLine($"write:  {written / clock.Elapsed.TotalSeconds,9:N0} results/s ({written:N0} in {clock.Elapsed.TotalSeconds:0.0} s); " +
                $"batch p50 {Stats.Median(latencies):0.0} ms, p99 {Stats.Percentile(latencies, 0.99):0.0} ms; {cpu.Report(written)}");

            // An outage: the rest goes to the spill file, a sync per batch.
            var outage = rows.Skip(results).Chunk(batchSize).ToList();
            cpu = CpuTime.Start(cluster.DataDirectory);
            clock.Restart();
            foreach (var batch in outage)
            {
                spill.Append(batch);
            }

            Console.WriteLine($"spill:  {replayed / clock.Elapsed.TotalSeconds,9:N0} results/s ({replayed:N0} in {clock.Elapsed.TotalSeconds:0.0} s, {spill.Bytes / 1024.0 / 1024:0.0} MiB); {cpu.Report(replayed)}");

            // PostgreSQL is back: the daemon's replay writes the spill file, oldest segment first.
            var replay = new ResultReplay(spill, writer, state, metrics, ready, batchSize, TimeProvider.System, NullLogger.Instance);
            using var stop = new CancellationTokenSource();
            cpu = CpuTime.Start(cluster.DataDirectory);
            clock.Restart();
            var running = replay.RunAsync(stop.Token);
            replay.Wake();
            while (!spill.IsEmpty && !running.IsCompleted)
            {
                await Task.Delay(5);
            }

            var replayTime = clock.Elapsed;
            await stop.CancelAsync();
            await running.ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine($"replay: {replayed / replayTime.TotalSeconds,9:N0} results/s ({replayed:N0} in {replayTime.TotalSeconds:0.0} s); {cpu.Report(replayed)}");

            // Batches stored already, written again (as after a crash that followed their commit): the COPY fails on the
            // primary key, and each goes through the staging table instead, adding nothing.
            var again = direct.Skip(5).Take(Math.Max(1, replayed / batchSize)).ToList();
            cpu = CpuTime.Start(cluster.DataDirectory);
            clock.Restart();
            foreach (var batch in again)
            {
                await writer.WriteAsync(batch, CancellationToken.None);
            }

            var rewritten = again.Sum(b => b.Length);
            Console.WriteLine($"again:  {rewritten / clock.Elapsed.TotalSeconds,9:N0} results/s ({rewritten:N0} stored already, in {clock.Elapsed.TotalSeconds:0.0} s); {cpu.Report(rewritten)}");

            await using var count = database.DataSource.CreateCommand("SELECT count(*), count(DISTINCT id) FROM results");
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (stored, distinct) = (reader.GetInt64(0), reader.GetInt64(1));
            Console.WriteLine($"stored: {stored:N0} rows, {distinct:N0} distinct ids (expected {results + replayed:N0})");
            return stored == results + replayed && distinct == stored ? 0 : 1;
        }
    }

    /// <summary>Results of https checks, <paramref name="checks"/> of them in turn, one in ten down; one millisecond apart, ending now.</summary>
    private static List<ResultRow> Rows(int count, int checks)
    {
        var now = DateTimeOffset.UtcNow;
        var status = new MetricDescriptor("probe_http_status_code", "Status.");
        var phase = new MetricDescriptor("probe_http_duration_seconds", "Phases.", "s", "phase");
        var expiry = new MetricDescriptor("probe_ssl_earliest_cert_expiry", "Expiry.");
        var rows = new List<ResultRow>(count);
        for (var i = 0; i < count; i++)
        {
            var check = new CheckDefinition { Id = $"bench-{i % checks}", Name = "bench", Type = "http", Target = $"https://service-{i % checks}.example.test/healthz" };
            var builder = new ProbeResultBuilder(check);
            var phases = new[] { ("resolve", 0.4), ("connect", 1.2), ("tls", 6.5), ("processing", 20.0 + (i % 50)), ("transfer", 0.8) };
            foreach (var (name, ms) in phases)
            {
                builder.Phase(name, TimeSpan.FromMilliseconds(ms));
                builder.Measure($"http.duration.{name}_ms", ms);
                builder.Sample(phase, ms / 1000, name);
            }

            builder.Measure("http.duration.total_ms", phases.Sum(p => p.Item2));
            builder.Measure("http.status_code", i % 10 == 0 ? 503 : 200);
            builder.Measure("http.version", MeasurementValue.Of(1.1, "1.1"));
            builder.Measure("http.redirects", 0);
            builder.Measure("http.body_bytes", 1_234);
            builder.Measure("http.body_wire_bytes", 1_234);
            builder.Measure("tls.version", "TLS 1.3");
            builder.Measure("tls.cipher", "TLS_AES_256_GCM_SHA384");
            builder.Measure("tls.handshake_ms", 6.5);
            builder.Measure("cert.days_left", 61.25);
            builder.Measure("cert.chain_days_left", 61.25);
            builder.Sample(status, i % 10 == 0 ? 503 : 200);
            builder.Sample(expiry, 1_790_000_000);
            if (i % 10 == 0)
            {
                builder.Fail("http", "http_status", "GET https://service.example.test/healthz answered 503 Service Unavailable, expected 200",
                    "the service is up but reports itself unavailable; look at its own health and its dependencies");
            }

            builder.Details = ChainDetails(i % checks);
            var startedAt = now.AddMilliseconds(i - count);
            rows.Add(ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, Duration = TimeSpan.FromMilliseconds(31) }, "bench-node"));
        }

        return rows;
    }

    /// <summary>Results of tcp checks to a closed port: two phases, three measurements, one problem, two samples.</summary>
    private static List<ResultRow> TcpRows(int count, int checks)
    {
        var now = DateTimeOffset.UtcNow;
        var lookup = new MetricDescriptor("probe_dns_lookup_time_seconds", "Lookup.", "s");
        var protocol = new MetricDescriptor("probe_ip_protocol", "Protocol.");
        var rows = new List<ResultRow>(count);
        for (var i = 0; i < count; i++)
        {
            var check = new CheckDefinition { Id = $"bench-{i % checks}", Name = "bench", Type = "tcp", Target = $"10.0.{i % checks / 250}.{i % 250}:5432" };
            var builder = new ProbeResultBuilder(check);
            builder.Phase("resolve", TimeSpan.FromMilliseconds(0.003));
            builder.Phase("connect", TimeSpan.FromMilliseconds(0.2 + (i % 7)));
            builder.MeasureDurations(Sentinel.Probes.Tcp.TcpProbe.Durations, TimeSpan.FromMilliseconds(0.4 + (i % 7)));
            builder.Fail("tcp", "tcp_refused", $"{check.Target} refused the connection: nothing is listening on port 5432",
                $"nothing listens on {check.Target}; is the service running, and bound to this address and port?");
            builder.Sample(lookup, 0.000003);
            builder.Sample(protocol, 4);
            var startedAt = now.AddMilliseconds(i - count);
            rows.Add(ResultRow.From(builder.Build() with { Id = Guid.CreateVersion7(startedAt), StartedAt = startedAt, Duration = TimeSpan.FromMilliseconds(0.5) }, "bench-node"));
        }

        return rows;
    }

    private static int Number(string[] args, string name, int fallback) =>
        AccuracyServer.Option(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>An https check's details as stored: where it connected, and a chain of three certificates.</summary>
    private static StoredDetails ChainDetails(int service)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("resolver", "system");
            writer.WriteStartArray("addresses");
            writer.WriteStringValue($"192.0.2.{service % 250}");
            writer.WriteEndArray();
            writer.WriteString("remote", $"192.0.2.{service % 250}:443");
            writer.WriteStartArray("chain");
            foreach (var (subject, issuer) in new[] { ($"CN=service-{service}.example.test", "CN=Bench Intermediate"), ("CN=Bench Intermediate", "CN=Bench Root"), ("CN=Bench Root", "CN=Bench Root") })
            {
                writer.WriteStartObject();
                writer.WriteString("subject", subject);
                writer.WriteString("issuer", issuer);
                writer.WriteString("notAfter", "2027-02-06T00:00:00Z");
                writer.WriteString("sha256", "5b3ee77e5d33c53b580763f116d36cfac86be8f999ed412b52acb9923f87c235");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new StoredDetails(System.Text.Encoding.UTF8.GetString(json.ToArray()));
    }

    /// <summary>
    /// CPU time spent by this process and by the cluster (the postmaster, its children alive and exited), so that a
    /// figure means something on a machine other work keeps busy: results per CPU-second do not depend on the load.
    /// </summary>
    private sealed class CpuTime
    {
        private static readonly double TicksPerSecond = 100;
        private readonly string _dataDirectory;
        private readonly TimeSpan _client;
        private readonly double _server;

        private CpuTime(string dataDirectory)
        {
            _dataDirectory = dataDirectory;
            _client = Process.GetCurrentProcess().TotalProcessorTime;
            _server = Server();
        }

        public static CpuTime Start(string dataDirectory) => new(dataDirectory);

        /// <summary>CPU per result since the start, and the rate one core each for Sentinel and PostgreSQL would allow.</summary>
        public string Report(int results)
        {
            var client = (Process.GetCurrentProcess().TotalProcessorTime - _client).TotalSeconds;
            var server = Server() - _server;
            return $"CPU per result: Sentinel {client / results * 1e6:0} µs, PostgreSQL {server / results * 1e6:0} µs " +
                $"(uncontended, one core each: ~{results / Math.Max(client, server):N0}/s)";
        }

        /// <summary>Seconds of CPU of the postmaster (with its reaped children) and its live children.</summary>
        private double Server()
        {
            var postmaster = int.Parse(File.ReadLines(Path.Combine(_dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            double ticks = 0;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out var pid))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(directory, "stat"));
                }
                catch (IOException)
                {
                    continue;
                }

                // Fields after the command (which may hold spaces): state ppid … utime(14) stime(15) cutime(16) cstime(17).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster)
                {
                    ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)
                        + double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
                }
                else if (parent == postmaster)
                {
                    ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }

            return ticks / TicksPerSecond;
        }
    }
}
