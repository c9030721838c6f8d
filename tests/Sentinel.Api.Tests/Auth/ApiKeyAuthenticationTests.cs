using System.Net;
using Sentinel.Api.Auth;
using Sentinel.Api.Tests.Endpoints;
using Sentinel.Testing;
using Sentinel.Worker.Cli;
using Xunit;

namespace Sentinel.Api.Tests.Auth;

/// <summary>API keys end to end: created by the CLI and shown once, stored hashed, scoped, revoked, and never logged.</summary>
[Collection(ApiHostTests.Name)]
public sealed class ApiKeyAuthenticationTests(PostgresCluster postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cli_CreateListRevoke_KeyWorksThenIsRefused()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var database = host.Database.ConnectionString;

        var (code, created, createdErr) = await CliAsync("apikey", "create", "--name", "ci", "--scope", "write", "--database", database);
        Assert.Equal(0, code);
        var key = created.Trim();
        Assert.Matches("^sntl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$", key);
        Assert.Contains("shown only this once", createdErr, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.Client(key).GetAsync("/v1/checks", Ct)).StatusCode);

        var (listCode, list, _) = await CliAsync("apikey", "list", "--database", database);
        Assert.Equal(0, listCode);
        Assert.Contains("ci ", list, StringComparison.Ordinal);
        Assert.Contains(key[..17], list, StringComparison.Ordinal);
        Assert.DoesNotContain(key[18..], list, StringComparison.Ordinal);

        var (revokeCode, _, _) = await CliAsync("apikey", "revoke", "ci", "--database", database);
        Assert.Equal(0, revokeCode);
        var refused = await host.Client(key).GetAsync("/v1/checks", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_BadNameScopeOrDuplicate_RefusedWithAReason()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var database = host.Database.ConnectionString;
        await CliAsync("apikey", "create", "--name", "ci", "--scope", "read", "--database", database);

        var duplicate = await CliAsync("apikey", "create", "--name", "ci", "--scope", "read", "--database", database);
        var badName = await CliAsync("apikey", "create", "--name", "ci key; drop", "--scope", "read", "--database", database);
        var badScope = await CliAsync("apikey", "create", "--name", "admin", "--scope", "admin", "--database", database);
        var unknown = await CliAsync("apikey", "revoke", "nobody", "--database", database);

        Assert.Equal((1, "sentinel: a key named \"ci\" exists already (revoked keys keep their names); choose another name"), (duplicate.Code, duplicate.Err.Trim()));
        Assert.Equal(2, badName.Code);
        Assert.Contains("the key name must be", badName.Err, StringComparison.Ordinal);
        Assert.Equal(2, badScope.Code);
        Assert.Equal(1, unknown.Code);
        Assert.Equal(1, await host.Database.QueryValueAsync<long>("SELECT count(*) FROM api_keys"));
    }

    [Fact]
    public async Task Key_StoredHashedAndNeverLogged()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var key = await host.CreateKeyAsync("ci", "write");
        Assert.True(ApiKeys.TryParse(key, out _, out var secret));
        var client = host.Client(key);
        await client.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("web", host)), Ct);
        await client.GetAsync("/v1/checks/nope", Ct);
        await host.Client(key[..^1] + "x").GetAsync("/v1/checks", Ct);

        var stored = await host.Database.QueryValueAsync<string>("SELECT format('%s|%s|%s|%s', name, key_id, encode(secret_hash, 'hex'), scope) FROM api_keys");
        Assert.DoesNotContain(secret!, stored, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(ApiKeys.Hash(secret!)), stored, StringComparison.Ordinal);
        Assert.NotEmpty(host.Logs.Lines);
        Assert.All(host.Logs.Lines, line => Assert.DoesNotContain(secret![..20], line.Message + line.Exception, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadKey_OnWriteEndpoint_Answers403WithInsufficientScope()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var reader = host.Client(await host.CreateKeyAsync("viewer", "read"));

        var response = await reader.PostAsync("/v1/checks", ApiTestHost.Json(ChecksEndpointsTests.Tcp("web", host)), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Bearer realm=\"sentinel\", error=\"insufficient_scope\", scope=\"write\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/checks", Ct)).StatusCode);
    }

    [Fact]
    public async Task WrongKey_Answers401WithInvalidToken()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var key = await host.CreateKeyAsync("ci", "read");

        var response = await host.Client(key[..^2] + "zz").GetAsync("/v1/checks", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"sentinel\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task OperationalEndpoints_OpenByDefault()
    {
        await using var host = await ApiTestHost.StartAsync(postgres);
        var anonymous = host.Client();

        foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(path, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/openapi/v1.json", Ct)).StatusCode);
    }

    [Fact]
    public async Task OperationalEndpoints_ClosedWhenConfigured_NeedAReadKey()
    {
        await using var host = await ApiTestHost.StartAsync(postgres, settings: new Dictionary<string, string?> { ["Sentinel:Api:OpenOperationalEndpoints"] = "false" });
        var anonymous = host.Client();
        var reader = host.Client(await host.CreateKeyAsync("prometheus", "read"));

        foreach (var path in new[] { "/healthz", "/readyz", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(path, Ct)).StatusCode);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("sntl_")]
    [InlineData("sntl_abcdefghijkl_short")]
    [InlineData("sntl_ABCDEFGHIJKL_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("sntl_abcdefghijkl-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("sntl_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]
    [InlineData("xxxx_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void TryParse_NotAKey_False(string text) => Assert.False(ApiKeys.TryParse(text, out _, out _));

    [Fact]
    public void Generate_ParsesBackAndMatchesOnlyItsOwnSecret()
    {
        var (key, id, hash) = ApiKeys.Generate();
        var (other, _, _) = ApiKeys.Generate();

        Assert.True(ApiKeys.TryParse(key, out var parsedId, out var secret));
        Assert.Equal(id, parsedId);
        Assert.True(ApiKeys.Matches(secret!, hash));
        Assert.True(ApiKeys.TryParse(other, out _, out var otherSecret));
        Assert.False(ApiKeys.Matches(otherSecret!, hash));
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await SentinelCli.InvokeAsync(args, stdout, stderr, Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
