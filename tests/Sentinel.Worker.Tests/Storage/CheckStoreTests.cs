using Npgsql;
using Sentinel.Probes;
using Sentinel.Probes.Checks;
using Sentinel.Testing;
using Sentinel.Worker.Storage;
using Xunit;

namespace Sentinel.Worker.Tests.Storage;

public sealed class CheckStoreTests(PostgresCluster postgres)
{
    [Fact]
    public async Task SyncFileChecksAsync_AddsUpdatesAndRemoves()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new CheckStore(dataSource);

        var added = await store.SyncFileChecksAsync([Doc("a.json", Check("a", "127.0.0.1:1"), Check("b", "127.0.0.1:2"))], default);
        var unchanged = await store.SyncFileChecksAsync([Doc("a.json", Check("a", "127.0.0.1:1"), Check("b", "127.0.0.1:2"))], default);
        var updated = await store.SyncFileChecksAsync([Doc("a.json", Check("a", "127.0.0.1:9"))], default);

        Assert.Equal(2, added.Changed);
        Assert.Equal(0, unchanged.Changed);
        Assert.Equal(1, updated.Changed);
        Assert.Equal(["b"], updated.Removed);
        var row = Assert.Single(await dataSource.QueryListAsync<(string Id, string Target, long Version, string Origin, string Source)>(
            "SELECT id, target, version, origin, source FROM checks"));
        Assert.Equal(("a", "127.0.0.1:9", 2L, "file", "a.json"), row);
    }

    [Fact]
    public async Task SyncFileChecksAsync_OwnedFolder_RemovesOnlyChecksOfFilesInIt()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new CheckStore(dataSource);
        await store.SyncFileChecksAsync([Doc("/a/checks/one.json", Check("one", "127.0.0.1:1")), Doc("/b/checks/two.json", Check("two", "127.0.0.1:2"))], default);

        // The node whose folder is /a/checks2 finds no files: neither /a/checks nor /b/checks is its folder.
        var other = await store.SyncFileChecksAsync([], "/a/checks2/", default);
        var own = await store.SyncFileChecksAsync([], "/a/checks/", default);

        Assert.Empty(other.Removed);
        Assert.Equal(["one"], own.Removed);
        Assert.Equal(["two"], await dataSource.QueryListAsync<string>("SELECT id FROM checks"));
    }

    [Fact]
    public async Task SyncFileChecksAsync_FileBecameInvalid_KeepsItsChecks()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new CheckStore(dataSource);
        await store.SyncFileChecksAsync([Doc("a.json", Check("a", "127.0.0.1:1")), Doc("b.json", Check("b", "127.0.0.1:2"))], default);

        var outcome = await store.SyncFileChecksAsync([CheckParser.Parse("{ broken", "a.json", ProbeCatalog.Default.Checks), Doc("b.json", Check("b", "127.0.0.1:2"))], default);

        Assert.Empty(outcome.Removed);
        Assert.Equal(["a", "b"], (await store.ListEnabledAsync(default)).Select(c => c.Id));
    }

    [Fact]
    public async Task SyncFileChecksAsync_IdOwnedByTheApi_IsLeftAloneAndReported()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        await dataSource.ExecuteAsync("""
                INSERT INTO checks (id, type, target, name, interval_ms, timeout_ms, enabled, definition, origin)
                VALUES ('owned', 'tcp', '127.0.0.1:1', 'owned', 60000, 10000, true, '{"id":"owned","type":"tcp","target":"127.0.0.1:1"}', 'api')
                """);

        var outcome = await new CheckStore(dataSource).SyncFileChecksAsync([Doc("f.json", Check("owned", "127.0.0.1:2"))], default);

        var conflict = Assert.Single(outcome.Conflicts);
        Assert.Equal("f.json:1: $.id: id \"owned\" is already owned by the API; this file's definition is ignored", conflict.ToString());
        var target = await dataSource.QueryValueAsync<string>("SELECT target FROM checks WHERE id = 'owned'");
        Assert.Equal("127.0.0.1:1", target);
    }

    [Fact]
    public async Task ListEnabledAsync_SkipsDisabledChecks()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var store = new CheckStore(dataSource);
        await store.SyncFileChecksAsync([Doc("a.json", Check("on", "127.0.0.1:1"), Check("off", "127.0.0.1:1", enabled: false))], default);

        var enabled = await store.ListEnabledAsync(default);

        var check = Assert.Single(enabled);
        Assert.Equal("on", check.Id);
        Assert.True(CheckParser.Parse(check.Definition, "db", ProbeCatalog.Default.Checks).IsValid);
    }

    [Fact]
    public async Task SyncFileChecksAsync_Labels_AreStoredAsAJsonObject()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateMigratedDatabaseAsync());
        var labeled = """{ "id": "l", "type": "tcp", "target": "127.0.0.1:1", "labels": { "team": "pay\"ments", "env": "prod-é" } }""";

        await new CheckStore(dataSource).SyncFileChecksAsync([Doc("l.json", labeled)], default);

        Assert.Equal("""{"env": "prod-é", "team": "pay\"ments"}""", await dataSource.QueryValueAsync<string>("SELECT labels::text FROM checks WHERE id = 'l'"));
    }

    private static string Check(string id, string target, bool enabled = true) =>
        $$"""{ "id": "{{id}}", "type": "tcp", "target": "{{target}}", "enabled": {{(enabled ? "true" : "false")}} }""";

    private static CheckDocument Doc(string source, params string[] checks)
    {
        var document = CheckParser.Parse(checks.Length == 1 ? checks[0] : "[" + string.Join(",", checks) + "]", source, ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return document;
    }
}
