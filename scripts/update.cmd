@echo off
rem Windows agent swap helper, started detached by the agent's update runner.
rem Usage: update.cmd <agent-pid> <exe> <new-exe> <log-file> <restart-command>
rem Waits for the agent process to exit (a running exe cannot be renamed), moves <exe> to
rem <exe>.old and <new-exe> to <exe>, then runs the restart command. Without a console,
rem "timeout /t" fails, so the wait uses "ping -n 2 127.0.0.1" as a one-second sleep.
setlocal EnableExtensions
set "PID=%~1"
set "EXE=%~2"
set "NEW=%~3"
set "LOG=%~4"
set "RESTART=%~5"
if "%LOG%"=="" set "LOG=%~dp0update.log"

echo %DATE% %TIME% update: pid=%PID% exe=%EXE% new=%NEW%>>"%LOG%"
if not exist "%NEW%" (
  echo %DATE% %TIME% update: %NEW% is missing, nothing changed>>"%LOG%"
  exit /b 2
)

set /a WAITED=0
:wait
tasklist /FI "PID eq %PID%" 2>nul | find " %PID% " >nul
if errorlevel 1 goto gone
if %WAITED% GEQ 120 (
  echo %DATE% %TIME% update: pid %PID% still running after 120 s, nothing changed>>"%LOG%"
  exit /b 3
)
set /a WAITED+=1
ping -n 2 127.0.0.1 >nul
goto wait

:gone
echo %DATE% %TIME% update: pid %PID% has exited>>"%LOG%"
if exist "%EXE%.old" del /f /q "%EXE%.old"
move /y "%EXE%" "%EXE%.old" >nul
if errorlevel 1 (
  echo %DATE% %TIME% update: could not move %EXE% aside, nothing changed>>"%LOG%"
  exit /b 4
)
move /y "%NEW%" "%EXE%" >nul
if errorlevel 1 (
  echo %DATE% %TIME% update: could not move the new exe in, restoring the old one>>"%LOG%"
  move /y "%EXE%.old" "%EXE%" >nul
  exit /b 5
)
echo %DATE% %TIME% update: swapped, %EXE%.old kept>>"%LOG%"
if not "%RESTART%"=="" (
  echo %DATE% %TIME% update: running %RESTART%>>"%LOG%"
  call %RESTART% >>"%LOG%" 2>&1
)
echo %DATE% %TIME% update: done>>"%LOG%"
exit /b 0
