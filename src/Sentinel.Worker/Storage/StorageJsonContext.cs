using System.Text.Json.Serialization;

namespace Sentinel.Worker.Storage;

/// <summary>
/// The JSON the storage writes itself, generated at build time: a check's labels (column <c>checks.labels</c>), and
/// details read back from storage (<see cref="StoredDetails"/>), written as they were stored.
/// </summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(StoredDetails))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
