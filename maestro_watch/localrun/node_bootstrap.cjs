'use strict';
// Run one Node.js Lambda handler in this process, serving invocations over two pipes.
//
// Started by maestro's local runner as
//   node node_bootstrap.cjs REQUEST_FD RESPONSE_FD CODE_DIR HANDLER
// The protocol is described in maestro_watch/localrun/worker.py.

const fs = require('fs');
const net = require('net');
const path = require('path');
const readline = require('readline');
const util = require('util');
const { pathToFileURL } = require('url');

const requestFd = Number(process.argv[2]);
const responseFd = Number(process.argv[3]);
const codeDir = process.argv[4];
const handlerName = process.argv[5];
const marker = process.env.MAESTRO_LOCALRUN_MARKER;
delete process.env.MAESTRO_LOCALRUN_MARKER;

const IDLE_POLL_MS = 10;
let currentRequestId = '';
let settleCurrent = null;

function send(message) {
  const data = Buffer.from(JSON.stringify(message) + '\n');
  let offset = 0;
  while (offset < data.length) {
    offset += fs.writeSync(responseFd, data, offset);
  }
}

function writeStream(stream, text) {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

// Wait until earlier writes to stdout and stderr are handed to the pipe, then
// mark where this invocation's output ends.
async function endOutput(tag) {
  await writeStream(process.stderr, '');
  await writeStream(process.stdout, `\x1e${marker}:${tag}\x1e`);
}

// Console output as Lambda's Node.js runtime writes it: UTC time, request id,
// level, message. Newlines inside one call become carriage returns so that one
// call stays one log event; maestro's runner turns them back into newlines.
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const message = util.format(...args).replace(/\n/g, '\r');
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
    };
  }
}

function errorBody(error) {
  if (error instanceof Error || (error && typeof error.name === 'string' && typeof error.message === 'string')) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function logError(body, label) {
  console.error(`${label}\t${JSON.stringify(body)}`);
}

function splitHandler(name) {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot < 0 || dot === name.length - 1) {
    return null;
  }
  return { modulePath: name.slice(0, dot), functionPath: name.slice(dot + 1).split('.') };
}

function runtimeError(errorType, errorMessage, trace) {
  return { errorType, errorMessage, trace: trace || [] };
}

async function importModule(file) {
  if (file.endsWith('.mjs')) {
    return import(pathToFileURL(file).href);
  }
  try {
    return require(file);
  } catch (error) {
    // An ES module in a .js file (package.json "type": "module") cannot be
    // required by Node.js 20; import it instead.
    if (error && (error.code === 'ERR_REQUIRE_ESM' || error.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
      return import(pathToFileURL(file).href);
    }
    throw error;
  }
}

async function loadHandler() {
  const parts = splitHandler(handlerName);
  if (parts === null) {
    throw runtimeError('Runtime.MalformedHandlerName', `Bad handler ${handlerName}: expected MODULE.FUNCTION`);
  }

  const base = path.resolve(codeDir, parts.modulePath);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
  if (file === undefined) {
    throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${parts.modulePath}'`);
  }

  let loaded;
  try {
    loaded = await importModule(file);
  } catch (error) {
    const body = errorBody(error);
    if (error instanceof SyntaxError) {
      throw runtimeError('Runtime.UserCodeSyntaxError', `${error.name}: ${error.message}`, body.trace);
    }
    if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('Runtime.ImportModuleError', `Error: ${error.message}`, body.trace);
    }
    throw body;
  }

  let handler = loaded;
  for (const key of parts.functionPath) {
    handler = handler === undefined || handler === null ? undefined : handler[key];
  }
  if (typeof handler !== 'function' && loaded && loaded.default) {
    handler = parts.functionPath.reduce((value, key) => (value == null ? undefined : value[key]), loaded.default);
  }
  if (typeof handler !== 'function') {
    throw runtimeError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported`);
  }
  return handler;
}

function makeContext(request, settle) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: request.invokedFunctionArn,
    // A string, as in Lambda's Node.js runtime, which reads it from the environment.
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: request.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(request.deadlineMs - Date.now(), 0),
    succeed: (result) => settle(null, result),
    fail: (error) => settle(error === undefined || error === null ? new Error('handled') : error),
    done: (error, result) => settle(error, result),
  };
}

function resourceCounts() {
  const counts = new Map();
  for (const name of process.getActiveResourcesInfo()) {
    counts.set(name, (counts.get(name) || 0) + 1);
  }
  return counts;
}

// A handler that neither returns a promise nor calls its callback gets a null
// result once its own timers, sockets and file operations are done, as on
// Lambda, which replies when the event loop is empty.
function settleWhenIdle(baseline, isSettled, settle) {
  const poll = () => {
    if (isSettled()) {
      return;
    }
    const now = resourceCounts();
    const busy = [...now].some(([name, count]) => count > (baseline.get(name) || 0));
    if (busy) {
      // Checked from an Immediate: a Timeout callback would count its own timer as active.
      setTimeout(() => setImmediate(poll), IDLE_POLL_MS);
    } else {
      settle(null, null);
    }
  };
  setImmediate(poll);
}

function invoke(handler, request) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (error, result) => {
      if (settled) {
        return;
      }
      settled = true;
      settleCurrent = null;
      resolve({ error, result });
    };
    settleCurrent = settle;
    const baseline = resourceCounts();
    const context = makeContext(request, settle);
    let returned;
    try {
      returned = handler(request.event, context, (error, result) => settle(error, result));
    } catch (error) {
      settle(error === undefined || error === null ? new Error(String(error)) : error);
      return;
    }
    if (returned && typeof returned.then === 'function') {
      returned.then(
        (result) => settle(null, result),
        (error) => settle(error === undefined || error === null ? new Error(String(error)) : error),
      );
    } else if (handler.length < 3) {
      settleWhenIdle(baseline, () => settled, settle);
    }
  });
}

function toResponse(request, outcome) {
  if (outcome.error !== null && outcome.error !== undefined) {
    const body = errorBody(outcome.error);
    logError(body, 'Invoke Error ');
    return { type: 'error', requestId: request.requestId, error: body };
  }
  let payload;
  try {
    payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
  } catch (error) {
    const body = runtimeError('Runtime.MarshalError', `Unable to stringify response body: ${error.message}`);
    logError(body, 'Invoke Error ');
    return { type: 'error', requestId: request.requestId, error: body };
  }
  return { type: 'result', requestId: request.requestId, payload: payload === undefined ? 'null' : payload };
}

// Lambda's Node.js runtime fails the invocation and restarts the process on
// an unhandled rejection or an uncaught exception. The exit waits for the
// current invocation's response, so the runner never reuses this process.
let exitCodeAfterResponse = null;

function failAndExit(body, label, exitCode) {
  logError(body, label);
  if (settleCurrent === null) {
    process.exit(exitCode);
  }
  exitCodeAfterResponse = exitCode;
  settleCurrent(Object.assign(new Error(body.errorMessage), { name: body.errorType, stack: body.trace.join('\n') }));
}

process.on('unhandledRejection', (reason) => {
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  const body = runtimeError('Runtime.UnhandledPromiseRejection', message, errorBody(reason).trace);
  failAndExit(body, 'Unhandled Promise Rejection', 128);
});

process.on('uncaughtException', (error) => {
  failAndExit(errorBody(error), 'Uncaught Exception', 129);
});

async function main() {
  patchConsole();
  process.chdir(codeDir);
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const body = error && typeof error.errorType === 'string' ? error : errorBody(error);
    logError(body, 'ERROR');
    await endOutput('init');
    send({ type: 'init_error', error: body });
    process.exit(1);
  }
  await endOutput('init');
  send({ type: 'ready' });

  const requests = readline.createInterface({
    input: new net.Socket({ fd: requestFd, readable: true, writable: false }),
    crlfDelay: Infinity,
  });
  for await (const line of requests) {
    const request = JSON.parse(line);
    currentRequestId = request.requestId;
    const outcome = await invoke(handler, request);
    const response = toResponse(request, outcome);
    await endOutput(request.requestId);
    if (exitCodeAfterResponse !== null) {
      response.exiting = true;
    }
    send(response);
    if (exitCodeAfterResponse !== null) {
      process.exit(exitCodeAfterResponse);
    }
  }
  process.exit(0);
}

main();
