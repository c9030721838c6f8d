using System.Diagnostics;
using System.Text.Json;

namespace Sentinel.Testing;

/// <summary>
/// The real Prometheus server (Debian's package) scraping one target every second, with its own temporary
/// storage, queried through its HTTP API. Stopped and cleaned up on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;

    private PrometheusServer(Process process, TempDirectory directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>Whether the prometheus binary is installed (test.sh installs it).</summary>
    public static bool IsInstalled => File.Exists("/usr/bin/prometheus");

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) at /metrics every second.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var directory = new TempDirectory("sentinel-prometheus");
        var config = directory.Write("prometheus.yml", $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: sentinel
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = TcpPorts.Free();
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        await Eventually.WaitAsync(async () => (await server.Http.GetAsync("/-/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "Prometheus to be ready");
        return server;
    }

    /// <summary>Runs an instant query; returns each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, string Value)>> QueryAsync(string query)
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}"));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => ((IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                r.GetProperty("value")[1].GetString()!))
            .ToList();
    }

    /// <summary>The health of the scrape target as Prometheus sees it ("up", "down", "unknown") and its last error.</summary>
    public async Task<(string Health, string LastError)> TargetAsync()
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync("/api/v1/targets"));
        var target = document.RootElement.GetProperty("data").GetProperty("activeTargets")[0];
        return (target.GetProperty("health").GetString()!, target.GetProperty("lastError").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _directory.Dispose();
    }
}
