#Requires -Version 7.6
<#
.SYNOPSIS
    A 12-concept batch on the single-node Slurm cluster against the S3 test server, against the same batch trained
    here with -ThrottleLimit 2; keyword and span tagger. Prints wall times and the per-task cost of the scheduler path.

.DESCRIPTION
    The concepts are 12 copies of the example concept Q9001 under other IDs (the same labelled passages, so every
    training does the same work). Each run deploys the 12 to a fresh S3 prefix with -NoSpecUpdate:
      local   Deploy-KgClassifier -ThrottleLimit 2                    (two trainings at once in this process)
      slurm   Deploy-KgClassifier -Scheduler Slurm, then Wait-Job     (one array; the 2-core node runs two tasks at once)
    Per-task overhead of the scheduler path = (slurm - local) / 12 * 2 (two tasks run at once).

    Needs $env:KG_TEST_S3_ENDPOINT and $env:SLURM_CONF (build.ps1 Benchmark starts both); skipped otherwise.
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int] $Count = 12,
    [string[]] $ClassifierType = @('Keyword', 'SpanTagger')
)

$ErrorActionPreference = 'Stop'
if (-not $env:KG_TEST_S3_ENDPOINT -or -not $env:SLURM_CONF) {
    Write-Host 'SlurmBatch: skipped (needs the S3 test server and the Slurm test cluster: build.ps1 Benchmark starts them).'
    return
}
. (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')
Import-Module $ModuleManifest

$kgHome = Join-Path ([IO.Path]::GetTempPath()) ("kg-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
$concepts = New-Item -ItemType Directory (Join-Path $kgHome 'concepts') -Force
$env:KG_HOME = $kgHome
$example = Get-Content (Join-Path (Split-Path $ModuleManifest) 'examples/concepts/Q9001.json') -Raw
$ids = 1..$Count | ForEach-Object { "Q$(9100 + $_)" }
foreach ($id in $ids) { $example.Replace('"Q9001"', "`"$id`"") | Set-Content (Join-Path $concepts "$id.json") }
$s3Profile = if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }

function Measure-Deploy([string] $Type, [switch] $Slurm) {
    $bucket = New-TestBucket
    Set-KgEnvironment -Store "s3://$bucket/{name}" -EndpointUrl $env:KG_TEST_S3_ENDPOINT -ProfileName $s3Profile | Out-Null
    $sw = [Diagnostics.Stopwatch]::StartNew()
    if ($Slurm) {
        $job = $ids | Deploy-KgClassifier -Environment labs -AddClassifiersProfile primary -ClassifierType $Type -ConceptPath $concepts -NoSpecUpdate -Scheduler Slurm
        $results = Receive-Job $job -Wait
        Remove-Job $job
    }
    else {
        $results = $ids | Deploy-KgClassifier -Environment labs -AddClassifiersProfile primary -ClassifierType $Type -ConceptPath $concepts -NoSpecUpdate -ThrottleLimit 2
    }
    $seconds = $sw.Elapsed.TotalSeconds
    $promoted = @($results | Where-Object Promoted).Count
    if ($promoted -ne $Count) { throw "$Type $(if ($Slurm) { 'slurm' } else { 'local' }): $promoted of $Count promoted" }
    return $seconds
}

foreach ($type in $ClassifierType) {
    $local = Measure-Deploy $type
    $slurm = Measure-Deploy $type -Slurm
    '{0,-10} {1} concepts: local -ThrottleLimit 2 {2,7:N1} s; Slurm array {3,7:N1} s; scheduler path costs {4:N1} s per task' -f `
        $type, $Count, $local, $slurm, (($slurm - $local) / $Count * 2) | Write-Host
}

# Container start to the module ready (pwsh started, module imported, a command run), when the image exists.
if ((Get-Command podman -ErrorAction Ignore) -and $env:KG_BENCH_IMAGE) {
    $env:CONTAINERS_CONF = Join-Path $PSScriptRoot '../../container/containers.conf'
    $times = 1..3 | ForEach-Object {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & podman run --rm $env:KG_BENCH_IMAGE -NonInteractive -Command 'Get-KgEnvironment sandbox | Out-Null' | Out-Null
        $sw.Elapsed.TotalSeconds
    }
    'container start to the first command done: {0}' -f (($times | ForEach-Object { '{0:N2} s' -f $_ }) -join ', ') | Write-Host
}
Remove-Item $kgHome -Recurse -Force -ErrorAction SilentlyContinue
