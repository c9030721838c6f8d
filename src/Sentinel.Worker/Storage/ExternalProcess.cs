using System.Diagnostics;
using System.Text;

namespace Sentinel.Worker.Storage;

/// <summary>Runs a helper program (initdb, pg_ctl) to completion and captures what it printed.</summary>
internal static class ExternalProcess
{
    /// <summary>The outcome of a run.</summary>
    public sealed record Outcome(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;

        /// <summary>The last non-empty line printed, which is where these tools put the reason they failed.</summary>
        public string LastLine => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}";
    }

    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/>, as <paramref name="asUser"/> (through
    /// runuser) when given. Output is capped so that a chatty tool cannot exhaust memory.
    /// </summary>
    public static async Task<Outcome> RunAsync(string file, IEnumerable<string> arguments, string? asUser, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        if (asUser is not null)
        {
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(file);
        }
        else
        {
            start.FileName = file;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Messages from the tools are parsed for their last line only; a fixed locale keeps them readable.
        start.Environment["LC_ALL"] = "C";
        start.Environment["LANG"] = "C";

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        void Append(object sender, DataReceivedEventArgs e)
        {
            lock (output)
            {
                if (e.Data is not null && output.Length < 64 * 1024)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return new Outcome(process.ExitCode, output.ToString());
        }
    }
}
