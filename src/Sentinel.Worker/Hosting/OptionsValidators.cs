using Microsoft.Extensions.Options;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;
using Sentinel.Worker.Scheduling;
using Sentinel.Worker.Storage;

namespace Sentinel.Worker.Hosting;

/// <summary>
/// Source-generated validation of the host options' data annotations, run as each is bound
/// (<see cref="ValidatedOptions"/>), before the composition reads it.
/// </summary>
[OptionsValidator]
internal sealed partial class NodeOptionsValidator : IValidateOptions<NodeOptions>;

[OptionsValidator]
internal sealed partial class HttpOptionsValidator : IValidateOptions<HttpOptions>;

[OptionsValidator]
internal sealed partial class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>;

[OptionsValidator]
internal sealed partial class EmbeddedPostgresOptionsValidator : IValidateOptions<EmbeddedPostgresOptions>;

[OptionsValidator]
internal sealed partial class ResultOptionsValidator : IValidateOptions<ResultOptions>;

[OptionsValidator]
internal sealed partial class SchedulingOptionsValidator : IValidateOptions<SchedulingOptions>;

[OptionsValidator]
internal sealed partial class CheckFilesOptionsValidator : IValidateOptions<CheckFilesOptions>;

[OptionsValidator]
internal sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;

[OptionsValidator]
internal sealed partial class ApiOptionsValidator : IValidateOptions<Sentinel.Api.ApiOptions>;

[OptionsValidator]
internal sealed partial class StatusPageOptionsValidator : IValidateOptions<Sentinel.Api.StatusPage.StatusPageOptions>;

[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
