using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>
/// The flags of every command that works on the database (<c>run</c>, <c>migrate</c>, <c>dns accept</c>, …):
/// <c>--database</c>, <c>--data-dir</c> and <c>--config</c>, and the configuration they select, as <c>sentinel run</c>
/// reads it.
/// </summary>
internal sealed class DatabaseCliOptions
{
    public Option<string> Database { get; } = new("--database") { Description = "Npgsql connection string of the database (default: an embedded PostgreSQL cluster).", HelpName = "CONN" };

    public Option<string> DataDir { get; } = new("--data-dir") { Description = "Data directory of the embedded PostgreSQL cluster (default .sentinel/pg).", HelpName = "DIR" };

    public Option<string> Config { get; } = new("--config") { Description = "A JSON configuration file (keys as in the README, e.g. {\"Sentinel\": {...}}).", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        command.Options.Add(Database);
        command.Options.Add(DataDir);
        command.Options.Add(Config);
    }

    /// <summary>
    /// The configuration these flags and the command's <paramref name="settings"/> (each a flag and the key it sets)
    /// select; throws <see cref="ConfigurationException"/> with a one-line reason.
    /// </summary>
    public IConfigurationRoot Build(ParseResult parse, params (Option<string> Flag, string Key)[] settings)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (flag, key) in settings.Append((Database, DatabaseOptions.Key)).Append((DataDir, $"{EmbeddedPostgresOptions.Section}:{nameof(EmbeddedPostgresOptions.DataDirectory)}")))
        {
            if (parse.GetValue(flag) is { } value)
            {
                overrides[key] = value;
            }
        }

        return SentinelConfiguration.Build(parse.GetValue(Config), overrides);
    }
}
