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
    public static Task<PrometheusServer> StartAsync(string target) => StartAsync(target, null);

    /// <summary>
    /// Starts Prometheus with the configuration file <paramref name="configFile"/> (copied with the files beside it, such
    /// as its rule files), its one static target replaced by <paramref name="target"/> and every interval by one second;
    /// without one, with a minimal configuration scraping <paramref name="target"/>.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string target, string? configFile)
    {
        var directory = new TempDirectory("sentinel-prometheus");
        string config;
        if (configFile is null)
        {
            config = directory.Write("prometheus.yml", $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: sentinel
                    static_configs:
                      - targets: ["{target}"]
                """);
        }
        else
        {
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(configFile)!))
            {
                File.Copy(file, Path.Combine(directory.Path, Path.GetFileName(file)));
            }

            var text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(configFile), "targets: \\[[^\\]]*\\]", $"targets: [\"{target}\"]");
            text = System.Text.RegularExpressions.Regex.Replace(text, "(scrape_interval|scrape_timeout|evaluation_interval): \\S+", "$1: 1s");
            config = directory.Write(Path.GetFileName(configFile), text);
        }

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

    /// <summary>Runs an instant query; returns each series' labels and value. A query Prometheus refuses throws with its error.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, string Value)>> QueryAsync(string query)
    {
        using var document = JsonDocument.Parse(await GetAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}"));
        return document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => ((IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                r.GetProperty("value")[1].GetString()!))
            .ToList();
    }

    /// <summary>The values of <paramref name="label"/> on the series <paramref name="match"/> selects, as Grafana's label_values(match, label).</summary>
    public async Task<IReadOnlyList<string>> LabelValuesAsync(string label, string match)
    {
        using var document = JsonDocument.Parse(await GetAsync($"/api/v1/label/{label}/values?match[]={Uri.EscapeDataString(match)}"));
        return document.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    private async Task<string> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"Prometheus answered {(int)response.StatusCode} to {Uri.UnescapeDataString(path)}: {body}");
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
