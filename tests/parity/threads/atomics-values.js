// atomics-values — what each Atomics operation returns on an Int32Array
// over a SharedArrayBuffer, and the three answers of Atomics.wait that do
// not need a second thread.
'use strict';
const sab = new SharedArrayBuffer(16);
const a = new Int32Array(sab);
console.log('zeroed', a[0], a[1], a[2], a[3]);
console.log('add', Atomics.add(a, 1, 5), Atomics.load(a, 1));
console.log('sub', Atomics.sub(a, 1, 2), Atomics.load(a, 1));
console.log('and', Atomics.and(a, 1, 2), Atomics.load(a, 1));
console.log('or', Atomics.or(a, 1, 12), Atomics.load(a, 1));
console.log('xor', Atomics.xor(a, 1, 5), Atomics.load(a, 1));
console.log('exchange', Atomics.exchange(a, 1, 7), Atomics.load(a, 1));
console.log('compareExchange', Atomics.compareExchange(a, 1, 7, 9),
            Atomics.compareExchange(a, 1, 7, 11), Atomics.load(a, 1));
console.log('store', Atomics.store(a, 1, -3), Atomics.load(a, 1));
console.log('add wraps', Atomics.add(a, 1, 2147483647), Atomics.load(a, 1));
console.log('wait other value', Atomics.wait(a, 0, 1));
console.log('wait 0 ms', Atomics.wait(a, 0, 0, 0));
console.log('wait -5 ms', Atomics.wait(a, 0, 0, -5));
console.log('wait 20 ms', Atomics.wait(a, 0, 0, 20));
console.log('notify nobody', Atomics.notify(a, 0, 1));
console.log('notify count 0', Atomics.notify(a, 0, 0));
