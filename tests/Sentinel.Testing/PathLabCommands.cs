using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sentinel.Testing;

/// <summary>The commands <see cref="PathLab"/> runs (ip, nft, sysctl, ping), and the check that it can run them here.</summary>
public sealed partial class PathLab
{
    private static void Run(string program, IReadOnlyList<string> arguments)
    {
        if (!TryRun(program, arguments, out var output))
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {output}");
        }
    }

    private static string Output(string program, IReadOnlyList<string> arguments) =>
        TryRun(program, arguments, out var output) ? output : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed: {output}");

    private static bool TryRun(string program, IReadOnlyList<string> arguments, out string output)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                output = "timed out after 30 s";
                return false;
            }

            output = stdout.Result + stderr.Result;
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            output = ex.Message;
            return false;
        }
    }

    private static async Task<(int, string, string)> RunAsync(TimeSpan timeout, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ip {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Whether namespaces, veth pairs and nftables work here: builds and removes one namespace.</summary>
    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        var name = $"sentinel-{Environment.ProcessId}-probe";
        if (!TryRun("ip", ["netns", "add", name], out var output))
        {
            return $"cannot create a network namespace (needs root and iproute2): {output.Trim()}";
        }

        try
        {
            if (!TryRun("ip", ["-n", name, "link", "add", "name", "a", "type", "veth", "peer", "name", "b"], out output))
            {
                return $"cannot create a veth pair in a namespace: {output.Trim()}";
            }

            if (!TryRun("ip", ["netns", "exec", name, "nft", "list", "ruleset"], out output))
            {
                return $"nftables is not usable (install the nftables package): {output.Trim()}";
            }

            return null;
        }
        finally
        {
            TryRun("ip", ["netns", "delete", name], out _);
        }
    }

    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
