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
call :is_running
if errorlevel 1 goto gone
if %WAITED% GEQ 120 (
  echo %DATE% %TIME% update: pid %PID% still running after 120 s, nothing changed>>"%LOG%"
  exit /b 3
)
set /a WAITED+=1
ping -n 2 127.0.0.1 >nul
goto wait

rem Exit code 0 while %PID% runs, 1 once it is gone. tasklist answers on Windows; where
rem it prints nothing at all (Wine's is a stub) wmic's process list is asked instead.
rem Tokens are compared exactly: a substring search would mistake pid 12 for 123.
:is_running
set "ANSWERED="
for /f "tokens=1,2" %%A in ('tasklist /FI "PID eq %PID%" /NH 2^>nul') do (
  set "ANSWERED=1"
  if "%%B"=="%PID%" exit /b 0
)
if defined ANSWERED exit /b 1
for /f "skip=1 tokens=1" %%P in ('wmic process get processid 2^>nul') do if "%%P"=="%PID%" exit /b 0
exit /b 1

:gone
echo %DATE% %TIME% update: pid %PID% has exited>>"%LOG%"
rem Success is checked by the files themselves: not every cmd resets errorlevel on success.
if exist "%EXE%.old" del /f /q "%EXE%.old"
move /y "%EXE%" "%EXE%.old" >nul
if exist "%EXE%" (
  echo %DATE% %TIME% update: could not move %EXE% aside, nothing changed>>"%LOG%"
  exit /b 4
)
move /y "%NEW%" "%EXE%" >nul
if not exist "%EXE%" (
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
