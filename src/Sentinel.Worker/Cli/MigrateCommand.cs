using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sentinel.Worker.Hosting;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary><c>sentinel migrate</c>: applies the database migrations and exits.</summary>
internal static class MigrateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var database = new DatabaseCliOptions();
        var command = new Command("migrate", "Apply the database migrations and exit.");
        database.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
            CommandFailures.ReportAsync(stderr, () => MigrateAsync(database.Build(parse), stdout, cancellationToken)));
        return command;
    }

    private static async Task<int> MigrateAsync(IConfiguration configuration, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var loggers = SentinelLogging.CreateFactory(configuration);
        await using var database = DatabaseConnection.Create(configuration, DatabaseUse.Command);
        await database.StartAsync(loggers.CreateLogger<EmbeddedPostgres>(), cancellationToken).ConfigureAwait(false);
        var applied = await new Migrations(database, NullLogger<Migrations>.Instance).ApplyAsync(cancellationToken).ConfigureAwait(false);
        foreach (var name in applied)
        {
            await stdout.WriteLineAsync($"applied {name}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync($"schema is up to date ({Migrations.Latest})").ConfigureAwait(false);
        return ExitCodes.Ok;
    }
}
