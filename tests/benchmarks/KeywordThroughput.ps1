#Requires -Version 7.6
<#
.SYNOPSIS
    Keyword inference throughput: the Q787 keyword classifier over the 1,965 real text blocks of
    ../shared/data/documents/document_passage.json. Prints passages per second.

.DESCRIPTION
    Three figures:
    - in process: tests/KnowledgeGraph.Benchmarks runs the classifier the cmdlets use over all blocks, 20 passes per
      run, 15 timed runs after 30 warm-up passes, and prints the median, min and max (a plain .NET process: the pwsh
      host's own background work makes timings inside it noisy);
    - the same semantics in Python's re (keyword_python_reference.py), for comparison with the original;
    - through the cmdlet: the blocks piped into Invoke-KgClassifier in pwsh, what a PowerShell user sees.

    dotnet pwsh ./build.ps1 Benchmark
    dotnet pwsh ./tests/benchmarks/KeywordThroughput.ps1
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [string] $SharedData = (Join-Path $PSScriptRoot '../../../shared/data')
)

$ErrorActionPreference = 'Stop'
$documents = Join-Path $SharedData 'documents/document_passage.json'
if (-not (Test-Path $documents)) { throw "The shared data is missing: $documents" }

& dotnet run --project (Join-Path $PSScriptRoot '../KnowledgeGraph.Benchmarks') -c $Configuration -- keyword --data $SharedData
if ($LASTEXITCODE) { throw "The keyword benchmark failed ($LASTEXITCODE)." }

# The same semantics in Python's re, as a reference point (skipped where there is no python3).
if (Get-Command python3 -ErrorAction SilentlyContinue) {
    & python3 (Join-Path $PSScriptRoot 'keyword_python_reference.py') $SharedData
}

Import-Module $ModuleManifest
[string[]] $texts = (Get-Content $documents -Raw | ConvertFrom-Json).fields.text_block
$concept = Get-KgConcept Q787 -Path (Join-Path $SharedData 'concepts')
$null = $texts | Select-Object -First 100 | Invoke-KgClassifier -Concept $concept   # warm up
$times = foreach ($run in 1..5) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $null = $texts | Invoke-KgClassifier -Concept $concept
    $sw.Stop()
    $texts.Count / $sw.Elapsed.TotalSeconds
}
$median = ($times | Sort-Object)[2]
"cmdlet:  `$texts | Invoke-KgClassifier -Concept `$q787: median of 5 runs {0:N0} passages/s" -f $median
"machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), $(Get-Date -Format 'yyyy-MM-dd')"
