namespace Sentinel.Api.Auth;

/// <summary>Where API keys are kept: the worker implements it over the <c>api_keys</c> table.</summary>
public interface IApiKeyStore
{
    /// <summary>The key with the public id <paramref name="id"/>, revoked or not; null when there is none.</summary>
    Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken);
}

/// <summary>An API key as stored: never the key itself, only the hash of its secret.</summary>
/// <param name="Name">The name it was created with, unique; what logs and the change history show.</param>
/// <param name="Scope"><see cref="ApiScopes.Read"/> or <see cref="ApiScopes.Write"/>.</param>
/// <param name="SecretHash">SHA-256 of the secret (<see cref="ApiKeys.Hash"/>).</param>
/// <param name="Revoked">Whether <c>sentinel apikey revoke</c> has revoked it.</param>
public sealed record StoredApiKey(string Name, string Scope, byte[] SecretHash, bool Revoked);
