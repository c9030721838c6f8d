using System.CommandLine;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Sentinel.Api.Auth;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Cli;

/// <summary>
/// <c>sentinel apikey create --name NAME --scope read|write</c> (prints the key, once: only its hash is stored),
/// <c>sentinel apikey list</c> and <c>sentinel apikey revoke NAME</c>, on the database <c>sentinel run</c> uses.
/// </summary>
internal static partial class ApiKeyCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("apikey", "Create, list and revoke the API's keys.");
        command.Subcommands.Add(CreateCommand(stdout, stderr));
        command.Subcommands.Add(ListCommand(stdout, stderr));
        command.Subcommands.Add(RevokeCommand(stdout, stderr));
        return command;
    }

    private static Command CreateCommand(TextWriter stdout, TextWriter stderr)
    {
        var name = new Option<string>("--name") { Description = "The key's name, shown in logs and in each check's change history.", HelpName = "NAME", Required = true };
        var scope = new Option<string>("--scope") { Description = "read (reads only) or write (also changes checks).", HelpName = "SCOPE", Required = true };
        scope.AcceptOnlyFromAmong(ApiScopes.Read, ApiScopes.Write);
        var command = new Command("create", "Create an API key and print it; it is shown this once.") { name, scope };
        return WithDatabase(command, stderr, async (store, parse, cancellationToken) =>
        {
            var keyName = parse.GetValue(name)!;
            if (!KeyName().IsMatch(keyName))
            {
                await stderr.WriteLineAsync($"sentinel: the key name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, got \"{keyName}\"").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var key = await store.CreateAsync(keyName, parse.GetValue(scope)!, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                await stderr.WriteLineAsync($"sentinel: a key named \"{keyName}\" exists already (revoked keys keep their names); choose another name").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await stdout.WriteLineAsync(key).ConfigureAwait(false);
            await stderr.WriteLineAsync($"Created the {parse.GetValue(scope)} key \"{keyName}\". It is shown only this once: store it now.").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
    }

    private static Command ListCommand(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("list", "List the API keys (names, scopes, the start of each key; never the keys).");
        return WithDatabase(command, stderr, async (store, _, cancellationToken) =>
        {
            var keys = await store.ListAsync(cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"{"NAME",-24} {"SCOPE",-6} {"KEY",-18} {"CREATED",-21} REVOKED").ConfigureAwait(false);
            foreach (var key in keys)
            {
                var revoked = key.RevokedAt is { } at ? $"{at:yyyy-MM-dd HH:mm:ss}Z" : "-";
                await stdout.WriteLineAsync($"{key.Name,-24} {key.Scope,-6} {key.Prefix + "…",-18} {key.CreatedAt:yyyy-MM-dd HH:mm:ss}Z  {revoked}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
    }

    private static Command RevokeCommand(TextWriter stdout, TextWriter stderr)
    {
        var name = new Argument<string>("name") { Description = "The name of the key to revoke." };
        var command = new Command("revoke", "Revoke an API key: requests with it are refused from now on.") { name };
        return WithDatabase(command, stderr, async (store, parse, cancellationToken) =>
        {
            var keyName = parse.GetValue(name)!;
            if (!await store.RevokeAsync(keyName, cancellationToken).ConfigureAwait(false))
            {
                await stderr.WriteLineAsync($"sentinel: no key named \"{keyName}\" that is not revoked already; 'sentinel apikey list' shows the keys").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await stdout.WriteLineAsync($"Revoked the key \"{keyName}\".").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
    }

    /// <summary>Adds the database flags and runs <paramref name="action"/> on the key store of a migrated database.</summary>
    private static Command WithDatabase(Command command, TextWriter stderr, Func<ApiKeyStore, ParseResult, CancellationToken, Task<int>> action)
    {
        var database = new DatabaseCliOptions();
        database.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandFailures.ReportAsync(stderr, async () =>
        {
            await using var db = DatabaseConnection.Create(database.Build(parse), DatabaseUse.Command);
            await db.StartAsync(NullLogger.Instance, cancellationToken).ConfigureAwait(false);
            if (!await new Migrations(db, NullLogger<Migrations>.Instance).IsUpToDateAsync(cancellationToken).ConfigureAwait(false))
            {
                await stderr.WriteLineAsync("sentinel: the database has no current Sentinel schema; run 'sentinel migrate' (or start 'sentinel run') first").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            return await action(new ApiKeyStore(db.DataSource), parse, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyName();
}
