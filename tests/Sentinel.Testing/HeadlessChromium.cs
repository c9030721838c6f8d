using System.Diagnostics;

namespace Sentinel.Testing;

/// <summary>
/// Chromium (the Debian package, which test.sh installs) run headless against a loopback URL: the DOM after the page's
/// scripts ran (<c>--dump-dom</c>) and a screenshot. Each run has its own profile directory and a bound; a run past it is
/// killed with the processes it started.
/// </summary>
public static class HeadlessChromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    /// <summary>The browser's executable; null when it is not installed.</summary>
    public static string? Executable => Candidates.FirstOrDefault(File.Exists);

    /// <summary>The page at <paramref name="url"/> as the browser's DOM serialises it once loaded.</summary>
    public static async Task<string> DumpDomAsync(string url, TimeSpan timeout) => await RunAsync(url, timeout, "--dump-dom");

    /// <summary>Saves a screenshot of <paramref name="url"/> at <paramref name="width"/> × <paramref name="height"/> into <paramref name="path"/>.</summary>
    public static async Task ScreenshotAsync(string url, string path, int width, int height, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.Delete(path);
        await RunAsync(url, timeout, $"--screenshot={Path.GetFullPath(path)}", $"--window-size={width},{height}", "--hide-scrollbars");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"chromium wrote no screenshot to {path}");
        }
    }

    private static async Task<string> RunAsync(string url, TimeSpan timeout, params string[] arguments)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !System.Net.IPAddress.TryParse(uri.Host, out var address) || !System.Net.IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"only loopback URLs are loaded, not {url}", nameof(url));
        }

        var executable = Executable ?? throw new InvalidOperationException("chromium is not installed (test.sh installs the Debian package)");
        using var profile = new TempDirectory("sentinel-chromium");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // As root Chromium refuses its sandbox; no GPU on a test machine; no first-run work, no network other than the page.
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--disable-component-update", "--metrics-recording-only",
                     $"--user-data-dir={profile.Path}",
                 }.Concat(arguments).Append(url))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"chromium took longer than {timeout.TotalSeconds:0} s on {url}: {await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {await errors}");
        }

        return await output;
    }
}
