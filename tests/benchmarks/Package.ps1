#Requires -Version 7.6
<#
.SYNOPSIS
    The size of the two packages (KnowledgeGraph, KnowledgeGraph.Worker) and of what Install-PSResource puts on disk,
    with and without the worker. Prints megabytes.

.DESCRIPTION
    Publishes the built module with module/Publish-KgPackages.ps1 to a folder repository under a temporary folder,
    installs into a throwaway home (-Scope CurrentUser), first the module alone, then the worker too, and sums the
    installed files.

    dotnet pwsh ./tests/benchmarks/Package.ps1
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
$work = Join-Path ([IO.Path]::GetTempPath()) ('kg-bench-package-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $repo = & (Join-Path $root 'module/Publish-KgPackages.ps1') -ModuleFolder (Split-Path (Resolve-Path $ModuleManifest)) `
        -WorkerManifest (Join-Path $root 'module/KnowledgeGraph.Worker.psd1') -Destination $work
    $publishSeconds = $clock.Elapsed.TotalSeconds
    $userHome = New-Item -ItemType Directory (Join-Path $work 'home')
    New-Item -ItemType Directory (Join-Path $userHome '.local/share'), (Join-Path $userHome '.config') | Out-Null
    $pwsh = Join-Path $PSHOME 'pwsh'
    function Install([string] $Name) {
        $saved = $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME
        try {
            $env:HOME = $userHome.FullName; $env:XDG_DATA_HOME = Join-Path $userHome '.local/share'; $env:XDG_CONFIG_HOME = Join-Path $userHome '.config'
            $c = [Diagnostics.Stopwatch]::StartNew()
            & $pwsh -NoProfile -NonInteractive -Command "`$ErrorActionPreference = 'Stop'; if (-not (Get-PSResourceRepository KgLocal -ErrorAction SilentlyContinue)) { Register-PSResourceRepository -Name KgLocal -Uri '$repo' -Trusted }; Install-PSResource $Name -Repository KgLocal -Scope CurrentUser"
            if ($LASTEXITCODE) { throw "Install-PSResource $Name failed" }
            $c.Elapsed.TotalSeconds
        }
        finally { $env:HOME, $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME = $saved }
    }
    function Size([string] $Path) { (Get-ChildItem $Path -Recurse -File | Measure-Object Length -Sum).Sum / 1MB }
    $modules = Join-Path $userHome '.local/share/powershell/Modules'
    $moduleSeconds = Install 'KnowledgeGraph'
    $workerSeconds = Install 'KnowledgeGraph.Worker'
    $nupkg = Get-ChildItem $repo -Filter '*.nupkg'
    [pscustomobject]@{
        'KnowledgeGraph package (MB)'               = [math]::Round(($nupkg | Where-Object Name -like 'KnowledgeGraph.0*').Length / 1MB, 1)
        'KnowledgeGraph.Worker package (MB)'        = [math]::Round(($nupkg | Where-Object Name -like 'KnowledgeGraph.Worker.*').Length / 1MB, 1)
        'KnowledgeGraph installed (MB)'             = [math]::Round((Size (Join-Path $modules 'KnowledgeGraph')), 1)
        'KnowledgeGraph.Worker installed (MB)'      = [math]::Round((Size (Join-Path $modules 'KnowledgeGraph.Worker')), 1)
        'publish both (s)'                          = [math]::Round($publishSeconds, 1)
        'install KnowledgeGraph (s)'                = [math]::Round($moduleSeconds, 1)
        'install KnowledgeGraph.Worker (s)'         = [math]::Round($workerSeconds, 1)
    } | Format-List | Out-Host
}
finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
