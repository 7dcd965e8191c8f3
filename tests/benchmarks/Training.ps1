#Requires -Version 7.6
<#
.SYNOPSIS
    The learned classifiers: the Q787 span benchmark (original-models.md §7.3), the passage classifier's cross-validation
    on an assembled silver data set, and the inference throughput of every classifier type. Prints the figures.

.DESCRIPTION
    Runs tests/KnowledgeGraph.Benchmarks with the training worker of the built module, as the cmdlets use it:
    - q787: 5 folds grouped by document; keyword and gazetteer baselines, and the span tagger trained in the worker for
      each fold and each of 3 seeds, with its training time, peak memory and working set per epoch;
    - passages: the passage classifier and the keyword classifier, 5-fold cross-validated on Q787's passages plus silver
      negatives (see docs/benchmarks.md for what the labels are);
    - throughput: passages per second of each type over the 1,965 real text blocks, in process and through the worker;
    - minilm: the passage classifier's measured alternative, frozen all-MiniLM-L6-v2 embeddings (ONNX Runtime) with a
      logistic head, on the passages data set and folds, and its throughput (tests/KnowledgeGraph.Benchmarks.MiniLM,
      outside the solution: it restores ~200 MB of packages the module does not ship).
    Takes about 20 minutes on 2 cores.

    dotnet pwsh ./build.ps1 Benchmark
    dotnet pwsh ./tests/benchmarks/Training.ps1 [-Only q787]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [string] $SharedData = (Join-Path $PSScriptRoot '../../../shared/data'),
    [ValidateSet('q787', 'passages', 'throughput', 'minilm', 'transformer')]
    [string[]] $Only = @('q787', 'passages', 'throughput', 'minilm', 'transformer')
)

$ErrorActionPreference = 'Stop'
if (-not (Test-Path (Join-Path $SharedData 'concepts/Q787.json'))) { throw "The shared data is missing: $SharedData" }
$workerName = if ($IsWindows) { 'KnowledgeGraph.Worker.exe' } else { 'KnowledgeGraph.Worker' }
$worker = Join-Path (Split-Path $ModuleManifest) "worker/$workerName"
if (-not (Test-Path $worker)) { throw "The training worker is missing: $worker (run: dotnet pwsh ./build.ps1 Build)" }

foreach ($benchmark in $Only) {
    $project = Join-Path $PSScriptRoot ($benchmark -in 'minilm', 'transformer' ? '../KnowledgeGraph.Benchmarks.MiniLM' : '../KnowledgeGraph.Benchmarks')
    & dotnet build $project -c $Configuration -v quiet --nologo | Out-Null
    if ($LASTEXITCODE) { throw "Building $project failed ($LASTEXITCODE)." }
    # The transformer's two phases run in processes of their own (ONNX Runtime never beside the measured training).
    $runs = $benchmark -eq 'transformer' ? @(@('--phase', 'encoder'), @('--phase', 'finetune')) : @(, @())
    foreach ($extra in $runs) {
        & dotnet run --project $project -c $Configuration --no-build -- $benchmark --data $SharedData --worker $worker @extra
        if ($LASTEXITCODE) { throw "The $benchmark benchmark failed ($LASTEXITCODE)." }
    }
}
