using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>
/// How the commands that read Sentinel's configuration or touch its database report what stops them: one line on
/// standard error and never a stack trace, with the exit code that says what to fix: <see cref="ExitCodes.Usage"/>
/// for a setting, <see cref="ExitCodes.Failed"/> for the database or the machine (no PostgreSQL install, a server
/// that refuses, a migration that fails, a port that is taken).
/// </summary>
internal static partial class CommandFailures
{
    /// <summary>Runs <paramref name="command"/>; returns its exit code, or reports its failure and returns that one's.</summary>
    public static async Task<int> ReportAsync(TextWriter stderr, Func<Task<int>> command)
    {
        (string Line, int Code) failure;
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (ConfigurationException ex)
        {
            failure = (ex.Message, ExitCodes.Usage);
        }
        catch (OptionsValidationException ex)
        {
            failure = (Describe(ex), ExitCodes.Usage);
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The binder's: a value that does not convert to its setting's type.
            failure = ($"invalid configuration: {ex.Message}", ExitCodes.Usage);
        }
        catch (Exception ex) when (ex is EmbeddedPostgresException or NpgsqlException or MigrationException or ResultSpillException)
        {
            failure = (ex.Message, ExitCodes.Failed);
        }
        catch (IOException ex) when (ex.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            failure = (ex.Message, ExitCodes.Failed);
        }

        await stderr.WriteLineAsync($"sentinel: {failure.Line}").ConfigureAwait(false);
        return failure.Code;
    }

    /// <summary>
    /// The generated validators put the property's name before each message; ours say what they are about
    /// themselves. One that names its setting (<c>Sentinel:Http:Listen must be …</c>) is an invalid configuration;
    /// one that names the thing (<c>the database connection string is invalid: …</c>) stands on its own.
    /// </summary>
    private static string Describe(OptionsValidationException ex)
    {
        var failures = ex.Failures.Select(f => PropertyName().Replace(f, string.Empty)).ToList();
        var text = string.Join("; ", failures);
        return failures.All(f => f.StartsWith("Sentinel:", StringComparison.Ordinal)) ? $"invalid configuration: {text}" : text;
    }

    [GeneratedRegex("^[A-Za-z]+: ")]
    private static partial Regex PropertyName();
}
