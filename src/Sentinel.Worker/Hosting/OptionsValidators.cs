using Microsoft.Extensions.Options;
using Sentinel.Worker.Checks;
using Sentinel.Worker.Metrics;
using Sentinel.Worker.Results;
using Sentinel.Worker.Scheduling;

namespace Sentinel.Worker.Hosting;

/// <summary>Source-generated validation of the host options' data annotations, run at start.</summary>
[OptionsValidator]
internal sealed partial class NodeOptionsValidator : IValidateOptions<NodeOptions>;

[OptionsValidator]
internal sealed partial class HttpOptionsValidator : IValidateOptions<HttpOptions>;

[OptionsValidator]
internal sealed partial class ResultOptionsValidator : IValidateOptions<ResultOptions>;

[OptionsValidator]
internal sealed partial class SchedulingOptionsValidator : IValidateOptions<SchedulingOptions>;

[OptionsValidator]
internal sealed partial class CheckFilesOptionsValidator : IValidateOptions<CheckFilesOptions>;

[OptionsValidator]
internal sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;
