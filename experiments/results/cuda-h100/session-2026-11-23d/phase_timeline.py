import json,statistics,sys
d=json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o,dict):
        if 'timeline' in o: return o['timeline']
        for v in o.values():
            r=find(v)
            if r: return r
    if isinstance(o,list):
        for v in o:
            r=find(v)
            if r: return r
t=find(d)['graphs_on']['kernels']
labels=sys.argv[2].split(',')
seg={}
i=2; n=len(t); lay=0
while i+len(labels)<=n-4:
    for j,l in enumerate(labels):
        seg.setdefault(l,[]).append((t[i+j]['chain_us'],t[i+j]['early_us']))
    i+=len(labels); lay+=1
print('layers parsed',lay,'entries',n)
for l in labels:
    v=seg[l][1:]
    print('%-12s -> next: %.2f us (waited here %.2f)'%(l,statistics.mean(x[0] for x in v),statistics.mean(x[1] for x in v)))
