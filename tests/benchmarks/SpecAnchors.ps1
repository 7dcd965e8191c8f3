#Requires -Version 7.6
<#
.SYNOPSIS
    Test-KgInferenceSpec on a spec file that repeats one entry N times through a YAML alias (- &e {...} then - *e): the
    file that made the check quadratic in memory. Prints N, the file size, the violations, the time and the peak
    resident set of a fresh pwsh.

    dotnet pwsh ./tests/benchmarks/SpecAnchors.ps1 [-Repeats 10000,100000]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int[]] $Repeats = @(10000, 100000)
)

$ErrorActionPreference = 'Stop'
$manifest = (Resolve-Path $ModuleManifest).Path
$work = Join-Path ([IO.Path]::GetTempPath()) ('kg-bench-anchors-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
try {
    foreach ($n in $Repeats) {
        $file = Join-Path $work "anchors-$n.yaml"
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('- &e {wikibase_id: Q5, classifier_id: abcd2345, classifiers_profile: primary, wandb_registry_version: v1}')
        for ($i = 0; $i -lt $n; $i++) { $lines.Add('- *e') }
        [IO.File]::WriteAllLines($file, $lines)
        $script = @"
Import-Module '$manifest'
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$v = @(Test-KgInferenceSpec '$file')
"`$(`$v.Count) `$([math]::Round(`$clock.Elapsed.TotalSeconds, 2)) " + ((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -replace '\D', '')
"@
        $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE) { throw "the run with $n repeats failed" }
        $violations, $seconds, $peakKb = ($out | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ repeats = $n; 'file (KB)' = [math]::Round((Get-Item $file).Length / 1KB); violations = [int]$violations; seconds = [double]$seconds; 'peak RSS (MB)' = [math]::Round([long]$peakKb / 1KB) } |
            Format-Table -AutoSize | Out-Host
    }
}
finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
