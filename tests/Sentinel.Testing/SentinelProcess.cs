using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Sentinel.Testing;

/// <summary>
/// The real <c>sentinel</c> executable as a child process, with its output captured. Stopped with SIGTERM
/// (as an init system would) on dispose, and killed only if it does not stop in time.
/// </summary>
public sealed partial class SentinelProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SentinelProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += Append;
        _process.ErrorDataReceived += Append;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything printed so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The built <c>sentinel.dll</c> next to the test assembly.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "sentinel.dll");

    /// <summary>Starts <c>sentinel</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static SentinelProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new SentinelProcess(Process.Start(start)!);
    }

    /// <summary>Runs a command to completion; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        await using var process = Start(workingDirectory, null, arguments);
        var exited = await process.WaitForExitAsync(timeout);
        if (!exited)
        {
            throw new TimeoutException($"sentinel {string.Join(' ', arguments)} did not exit within {timeout}: {process.Output}");
        }

        return (process.ExitCode, process.Output);
    }

    /// <summary>Waits for the process to exit; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int Id => _process.Id;

    /// <summary>Sends SIGKILL: the process dies at once, with no chance to flush or spill anything.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 9);
        }
    }

    /// <summary>Sends SIGTERM.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Terminate();
        if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Append(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(e.Data);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
