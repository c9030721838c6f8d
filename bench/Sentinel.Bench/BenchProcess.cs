using System.Diagnostics;
using System.Globalization;

namespace Sentinel.Bench;

/// <summary>
/// A benchmark target run in its own process (this executable with a serve verb), so that it does not share a
/// CPU scheduler queue with the client being measured. The child prints "READY port [detail]" when it serves,
/// and serves until its standard input closes.
/// </summary>
internal sealed class BenchProcess : IDisposable
{
    private readonly Process _process;

    private BenchProcess(Process process, int port, string? detail)
    {
        _process = process;
        Port = port;
        Detail = detail;
    }

    public int Port { get; }

    /// <summary>What the child printed after its port (the HTTPS server: its root certificate file).</summary>
    public string? Detail { get; }

    public static async Task<BenchProcess> StartAsync(string verb, params string[] arguments)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchProcess).Assembly.Location);
        }

        start.ArgumentList.Add(verb);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var parts = ready?.Split(' ', 3) ?? [];
        if (parts.Length < 2 || parts[0] != "READY")
        {
            process.Kill();
            throw new InvalidOperationException($"the {verb} server did not start: {ready}");
        }

        return new BenchProcess(process, int.Parse(parts[1], CultureInfo.InvariantCulture), parts.Length > 2 ? parts[2] : null);
    }

    public void Dispose()
    {
        // Closing its stdin ends the server; kill it if it does not go.
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
