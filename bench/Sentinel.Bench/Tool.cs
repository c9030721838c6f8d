using System.Diagnostics;

namespace Sentinel.Bench;

/// <summary>A command-line tool run to its end (curl, sentinel, dotnet publish), its output captured.</summary>
internal static class Tool
{
    /// <summary>Runs <paramref name="command"/> (the program, then its arguments); pinned to <paramref name="cpu"/> with taskset -c when given.</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(IEnumerable<string> command, string? cpu = null)
    {
        var words = (cpu is null ? command : ["taskset", "-c", cpu, .. command]).ToList();
        var start = new ProcessStartInfo(words[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var word in words.Skip(1))
        {
            start.ArgumentList.Add(word);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
